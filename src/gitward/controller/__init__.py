"""The controller: the reconcile loop that keeps every application where Git says it should be.

Modules, in the order data flows through them::

    loop         Controller: work queue, workers, periodic refresh, commands, events
    queue        WorkQueue, run_workers: one reconcile per app at a time, backoff
    revisions    RevisionCache: one ls-remote per (repository, revision) per cycle
    desired      GitSide: sources resolved to commits and rendered at them
    refreshing   Refresher: the refresh steps, each setting its own conditions
    comparing    desired vs live: sync status, health, shared and orphaned resources
    conditions   the conditions an app shows (ComparisonError, InvalidSpecError, ...)
    deciding     decide(): whether an app syncs by itself now (pure)
    statuses     StatusWriter: statuses stored, those that finish together in one transaction
    gating       wave_gate(): later waves of an app-of-apps wait for earlier ones
    windows      the project's sync windows: the automated gate, refusals, held operations
    requests     OperationRequest: what an operation was asked to do, as stored
    commands     requests for sync, automated sync and rollback; bootstrap of root apps
    operating    Operator: persisted, resumable, terminable sync operations
    appsport     AppsPort: a parent's Applications and AppProjects live in the store
    appobjects   child apps as Kubernetes objects, and their health as a parent sees it
    appofapps    declared_by(): the Applications and AppProjects among rendered objects
    deleting     Deletion: an app's resources, by the resources finalizer
    caches       LiveCaches: one live cache per destination cluster
    events       EventStream: app status and operation events for subscribers
    preview      TreeRenderer: an app-of-apps tree rendered offline (``gitward render``)
    sources      GitWorkspace, SourceRendering: the git port and renderer for preview

The public entry point is :class:`gitward.controller.loop.Controller`. This package imports
nothing by itself, so that ``gitward render`` does not load the store to preview a tree.
"""
