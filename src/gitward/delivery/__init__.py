"""The delivery pipeline around Git: what CI and release managers do to the repository itself.

``gitward values set`` changes keys of a value file without touching anything else
(``editing``, with the typing rule of ``scalars`` and the key syntax of ``keys``), then commits
and pushes with a retry that cannot lose a concurrent update (``writeback``). Promotion between
environments reuses that write-back: ``valuefiles`` finds the value file setting each key,
``gates`` says whether a promotion may run, ``promotion`` writes in a scratch clone of the
target's branch (a commit, or a branch for a pull request: ``pullrequests``). ``previews``
compares two renders of an app-of-apps tree object by object (``gitward diff``), Secret values
masked; ``reports`` prints them.

It sits below the controller and above the git layer: it runs git only through
``gitward.git``'s runner and must not import the server, the store or the controller.
"""
