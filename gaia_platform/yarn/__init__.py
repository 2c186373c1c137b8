"""The Spark-on-Yarn fallback on plain OpenStack VMs (``platform yarn-fallback``).

layout.py plans the VMs and network (pure); hadoop.py, spark.py, zeppelin.py and cloudinit.py
render what the VMs boot with (pure); network.py, security.py and compute.py are the resource
kinds; graph.py ties them together; status.py and teardown.py read and remove them.
"""
