"""Projects, users, services and endpoints of a devcloud tier's Keystone.

Reads from stdin (JSON): ``auth_url``, ``region``, ``passwords`` (by user)
and ``endpoints`` as [name, type, URL]: every endpoint's service gets a user
of its own in the ``service`` project. Prints the demo project's ID (JSON).
Idempotent: what exists is kept.
"""

import json
import sys

import openstack

cfg = json.load(sys.stdin)
pw = cfg['passwords']
conn = openstack.connect(
    auth_url=cfg['auth_url'], username='admin', password=pw['admin'],
    project_name='admin', user_domain_id='default',
    project_domain_id='default', region_name=cfg['region'])
idn = conn.identity


def project(name):
    return (idn.find_project(name, domain_id='default')
            or idn.create_project(name=name, domain_id='default'))


def role(name):
    return idn.find_role(name) or idn.create_role(name=name)


def user(name, proj, roles):
    u = idn.find_user(name, domain_id='default') or idn.create_user(
        name=name, password=pw[name], domain_id='default',
        default_project_id=proj.id)
    for r in roles:
        idn.assign_project_role_to_user(proj, u, role(r))


service = project('service')
for name, _, _ in cfg['endpoints']:
    user(name, service, ['admin', 'service'])
demo = project('demo')
user('demo', demo, ['member'])
user('demo2', demo, ['member'])
for name, kind, url in cfg['endpoints']:
    svc = idn.find_service(name) or idn.create_service(
        name=name, type=kind, description=name)
    if not list(idn.endpoints(service_id=svc.id)):
        for iface in ('public', 'internal', 'admin'):
            idn.create_endpoint(service_id=svc.id, interface=iface, url=url,
                                region_id=cfg['region'])
print(json.dumps({'demo_project_id': demo.id}))
