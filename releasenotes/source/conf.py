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

"""Sphinx configuration for the keypairs-osc release notes.

Build with ``tox -e releasenotes`` (``sphinx-build -W --keep-going -b html
releasenotes/source releasenotes/build/html``). reno reads the notes in
``releasenotes/notes/`` through the git history of the checkout, so the
build runs inside a git checkout.
"""

extensions = [
    'reno.sphinxext',
]

project = 'keypairs-osc release notes'
author = 'keypairs-osc developers'
copyright = 'keypairs-osc developers'

# Release notes are not tied to one version of the package.
version = ''
release = ''

root_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']
highlight_language = 'none'
pygments_style = 'sphinx'

html_theme = 'alabaster'
html_title = 'keypairs-osc release notes'
html_show_sourcelink = False
