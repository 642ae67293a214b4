"""ApplicationSets: Argo CD's "one template, many Applications", read as Argo CD writes them.

An engine beside the renderer: it turns a parsed ``ApplicationSet``
(:mod:`gitward.model.appsets`) into the Applications it generates, reading git and the
registered clusters only through the ports it is given, so the controller (a parent app whose
manifests hold a set) and ``gitward render`` expand sets the same way.

::

    gitfiles     which directories and files a git generator's globs select, and their params
    generating   list, clusters, git, matrix and merge generators -> parameter sets
    templating   fasttemplate {{param}} and Go templates (Helm's tpl), templatePatch
    expanding    Expander.expand(): the generated Applications, owner references, RollingSync
    policies     apply_policy(): ownership and applicationsSync against the stored apps
    declaring    expand_declared(): the sets among a parent's rendered objects, expanded
    status       recorded(), rollout_condition(): Argo CD's conditions of a set

It must not write to the store or a cluster.
"""
