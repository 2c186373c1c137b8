"""The pinned component versions; the build cache is keyed by all of them."""

KUBERNETES = "1.34.4"
# The etcd server k8s.io/kubernetes v1.34.4 itself requires (go.mod), built in the same module.
ETCD = "3.6.4"
KWOK = "0.7.0"

KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
BINARIES = (*KUBE_BINARIES, "etcd", "kwok")


def cache_key() -> str:
    return f"k8s-{KUBERNETES}_etcd-{ETCD}_kwok-{KWOK}"


def staging_version() -> str:
    """The published k8s.io/* staging modules carry the release as v0.<minor>.<patch>."""
    return "v0." + KUBERNETES.split(".", 1)[1]
