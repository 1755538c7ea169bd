# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Sphinx configuration for the keypairs-osc documentation.

Build with ``tox -e docs`` (``sphinx-build -W --keep-going -b html
doc/source doc/build/html``). The command reference is generated from the
installed package by cliff's ``autoprogram-cliff`` directive, so the package
must be installed in the environment that builds the docs (tox does that).
"""

from importlib import metadata

# -- General -----------------------------------------------------------------

extensions = [
    'cliff.sphinxext',
]

project = 'keypairs-osc'
author = 'keypairs-osc developers'
copyright = 'keypairs-osc developers'

try:
    release = metadata.version('keypairs-osc')
except metadata.PackageNotFoundError:  # building from a bare checkout
    release = ''
version = '.'.join(release.split('.')[:2])

root_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']

# Literal blocks are shell sessions and command output, not Python.
highlight_language = 'none'
pygments_style = 'sphinx'
# Command descriptions come from docstrings that name options in plain
# text ("--identity"): keep their dashes, curl only quotes and ellipses.
smartquotes_action = 'qe'

# Every `.. autoprogram-cliff::` documents `openstack <command>`; the
# --help option is left out as in the OpenStackClient documentation.
autoprogram_cliff_application = 'openstack'
autoprogram_cliff_ignored = ['--help']

# -- HTML --------------------------------------------------------------------

html_theme = 'alabaster'
html_title = f'keypairs-osc {release}'.strip()
html_theme_options = {
    'description': 'Safer, complete "openstack keypair" commands',
    'fixed_sidebar': True,
}
html_show_sourcelink = False
