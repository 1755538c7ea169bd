"""Fixed key vectors shared by the unit and functional tests."""

#: A fixed key (seed 00..1f) and what ``ssh-keygen -l`` prints for it.
FIXED_LINE = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAOhB7/zzhC+HXDdGOdLwJln5N'
              'Ywm6UNXx3chmQSVTG4')
FIXED_MD5 = 'f1:02:17:de:ef:c1:30:83:11:8b:82:a0:0e:67:7f:d5'
FIXED_SHA256 = 'SHA256:lbmsoA0yIEcEiVDRnMWuzm+nV+3ZEEpVIURqFoeSspg'

#: Security-key public keys, made by hand (no security key needed), with
#: what ``ssh-keygen -l`` and ``-l -E md5`` print for them.
SECURITY_KEYS = {
    'sk-ssh-ed25519@openssh.com': (
        'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t'
        'AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fAAAABHNzaDo= me@host',
        'SHA256:/p0CbeE3dk2SyW1OXXsThGc12ezDVD8eGw2/vtztDfk',
        'cf:44:e4:6b:27:42:ed:24:a2:8a:c7:78:81:89:dc:78'),
    'sk-ecdsa-sha2-nistp256@openssh.com': (
        'sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAy'
        'NTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBI5TO2+gv3tGJbswZnwB+2B++fi4'
        'qA/vWzAGKHAxh7Kjc+sdveAzGDZtBp+DpvWQAFPHNjPLBBshxV4ahsH0ALQAAAAEc3No'
        'Og== me@host',
        'SHA256:WnDqNlCkEEb1SapijyDLJ7AHPFmno9LoH91wEO3Uz00',
        '10:b3:e4:d8:b3:2c:5e:db:cd:89:3d:a5:0e:9b:ef:52'),
}
