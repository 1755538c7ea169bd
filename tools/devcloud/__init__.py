"""devcloud: a real Keystone and a real Nova API on 127.0.0.1, for tests.

``python3 tools/devcloud.py`` runs it (``__main__``). Two tiers, each a
separate cloud in a directory of its own: the keypair tier
(``keypair_tier``, in ``.devcloud/``) and the optional compute tier that
boots servers (``compute_tier``, in ``.devcloud/compute/``). ``tier`` holds
what both do alike (state, virtualenv, processes), ``identity`` their
Keystone, ``common`` errors, setup steps and ports; ``in_venv/`` the scripts
a tier's virtualenv runs. Only the standard library is used here.
"""
