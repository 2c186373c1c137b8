"""A real Kubernetes control plane for the sandbox: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler (built from the Go module k8s.io/kubernetes) and kwok
for nodes whose pods report Running."""
