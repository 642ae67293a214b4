"""gitward: keeps Kubernetes clusters where Git says they should be.

It reads Argo CD's ``argoproj.io/v1alpha1`` Applications and AppProjects as they are written.
"""

__version__ = "0.1.0"
