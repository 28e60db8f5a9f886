"""Progressive delivery for Kubernetes, compatible with Argo Rollouts manifests."""

__version__ = "0.1.0"
