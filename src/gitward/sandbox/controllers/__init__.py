"""Simulated controllers: what kube-controller-manager, the scheduler and kubelets would do,
fast enough for tests. See :mod:`gitward.sandbox.controllers.manager`."""
