"""An HTTP emulator of the OpenStack APIs the product calls.

Laid out like moto: one package per service, its state machine (`models.py`) kept apart from
its HTTP routing (`routes.py`). Every service answers under one port with a path prefix, the
way devstack serves them behind one web server (``/identity``, ``/compute``, ...).
"""
