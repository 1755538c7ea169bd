"""Console output of guests printing their SSH host keys, as cloud-init does.

The keys were made with ``ssh-keygen`` (OpenSSH 9.2) and their fingerprints
are what ``ssh-keygen -l -f`` printed for them. The consoles follow
cloud-init's ``write-ssh-key-fingerprints``, which pipes both blocks
through ``logger -t ec2 --stderr``: on EC2-style consoles the fingerprint
lines carry the ``ec2:`` tag and the key lines none; through a syslog
daemon every line has ``<14>`` and a timestamp; on a systemd console the
kernel's time and the unit's name come first.
"""

ECDSA = (
    'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYA'
    'AABBBEJWtUtVy2LwmvtTX0otN6Lciu1zD/5prncRYZN+841uLwPPIPZFkCIu8MCZRzz1'
    'Odj/TSNSySwIHgESAr2aPjM= root@web')

ED25519 = (
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINR3MIwCcaPDgnfrdg8v3hFz9aLEsG2B'
    'p/mfQZL279Xu root@web')

RSA = (
    'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCll0esH9psPRCoRFs1RqbcpyDbIXya'
    'squa9ywh9s88eG4fx1ioHITsX2l4NF8+Gr3xiN4cgPGeaIb8baZ6n2PYmaaxvB2uKiGr'
    'XrtyLiWApxHTgMGc8PERe6Px5rbtelz/NUkErJ6/kNEEBjPO7M6JX+55eiTEvA507/Jv'
    'e0/gkNFayDQacLK9clRdTJekzpcGns0c4a3cajgVfoNWAogt76rC+ah2gsXk9lzVUJu5'
    'P7jfjjaopaC9E1AgE5rXJ6oBGFQSze0o8V7+ZsLCNL0D5o0e6/dZnohEUD2vmg9Ghc0e'
    '5GA6jtmY8qUtc3fEHjcuw77+INv/am2e71kJYqIX6NhnkUGypnsA/aQd2W1x2AnVG4a2'
    '29w3p9li6pn+3e2/FvA5BuQSFgrb82x+NQAHrtFKWwMzqUTNO3Zq3FM6tQYMtFb78heN'
    '4IR1d6E0jN/1BPtAgkBaQJQuXNkeLUIjL7DBnzSpG841iA9LUL8SnWmRseUMZUjW0BW2'
    'Y0D8cgs= root@web')

OTHER_ED25519 = (
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOVEUEdpsLOC6steH0RLJI9l5jZ+Eagk'
    'HZpl0PdxvPsn root@web')

DSA = (
    'ssh-dss AAAAB3NzaC1kc3MAAACBAMIM82JNo/cwKyi4keSzWe4b1Rh4IX8zIr1KUeFr'
    'rdhuXYlWSVN00gBs730mvEksvhZOm4IwHWUBfl2dEx5iZsr62SvikayeY+FphM4FkzhU'
    '6QRmbOU5uV/K1YUNVc/7Tsxrv8Y6B1yPQxeiciXYlGJv17a5WZq8rfAwoJXzVfJ5AAAA'
    'FQCt5xPxRc9HWCseuZkZOUh/En5VtQAAAIBIQyKuvLIgbxXf/dpUFpXramnR/Uld/HIV'
    'h7V+bXzC2SNeF53643eje7t8abkigP1WdEpkjJr6Kvk2yVVckXRozxvGV5FtzVQnkPC1'
    'PxXUqQsCBmd0qwYjgKM/b1C0MA3sepf8l0VrxeI+tpkZZDpNOW9Y8BXZwCUUrya+2SQ4'
    '1QAAAIBYGExS/ppXqe9NkdE8JFkxvLDoS8RYJI8RtVqA4Jy0TbT483EBAbFjEbbQu4mh'
    '8asSmFt40o2luJ43HKa/BxcZqu6snyOU+y+NStouoqafWqjFCJuILmGpUd9lDJzWFSVc'
    'XrdIIjUpnF0F1GncIjbkAJFTbnv/W02NxuCRf9Dqhw== root@web')

#: What ``ssh-keygen -l -f`` printed for each key.
FINGERPRINTS = {
    ECDSA: 'SHA256:cqq8uHJfYUR/OaMwSwFSU3ZfhNY9n+IRQBxDHRrcYv0',
    ED25519: 'SHA256:axSujmNd4OIjt41z3lzZvF80Zn3vR34xaX+h27KETXk',
    RSA: 'SHA256:l/vQqZ8ZJBcLn43Igqu+IriiENB/PL1FDkHZfjsgiN8',
    OTHER_ED25519: 'SHA256:f2FxNKOfUCkgXTD3C+L8yn4WmZQQv6rPNQeB9h/+Sao',
    DSA: 'SHA256:9v8uabBXsr/tEK5cMKxdp2Y2XdFCUcmKoMACnVW/ams',
}
#: The host keys a default cloud-init prints, in its order.
HOST_KEYS = (ECDSA, ED25519, RSA)

BEGIN = '-----BEGIN SSH HOST KEY KEYS-----'
END = '-----END SSH HOST KEY KEYS-----'

#: Nova's fake virt driver's console: no block.
FAKE_DRIVER = 'FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE'


def _fingerprint_block(prefix: str) -> list[str]:
    return [
        f'{prefix}',
        f'{prefix}#############################################################',
        f'{prefix}-----BEGIN SSH HOST KEY FINGERPRINTS-----',
        f'{prefix}256 {FINGERPRINTS[ECDSA]} root@web (ECDSA)',
        f'{prefix}256 {FINGERPRINTS[ED25519]} root@web (ED25519)',
        f'{prefix}3072 {FINGERPRINTS[RSA]} root@web (RSA)',
        f'{prefix}-----END SSH HOST KEY FINGERPRINTS-----',
        f'{prefix}#############################################################',
    ]


def console(*key_lines: str, prefix: str = '', key_prefix: str | None = None,
            fingerprint_prefix: str = 'ec2: ', newline: str = '\r\n') -> str:
    """A first boot's console output with one host key block.

    ``{n}`` in a prefix is the line's number in the block (a timestamp
    that moves on).
    """
    key_prefix = prefix if key_prefix is None else key_prefix
    block = [BEGIN, *key_lines, END]
    lines = [
        '[    0.000000] Linux version 6.8.0-49-generic (buildd@lcy02-amd64)',
        '[   25.514201] cloud-init[1050]: Cloud-init v. 24.3.1 running '
        "'modules:final' at Mon, 02 Dec 2026 10:00:01 +0000. Up 25.40 "
        'seconds.',
        *_fingerprint_block(fingerprint_prefix.format(n=0)),
        *(key_prefix.format(n=n) + line for n, line in enumerate(block)),
        '[   25.902117] cloud-init[1050]: Cloud-init v. 24.3.1 finished at '
        'Mon, 02 Dec 2026 10:00:02 +0000. Up 25.89 seconds',
        '',
        'Ubuntu 24.04.1 LTS web ttyS0',
        '',
        'web login: ',
    ]
    return newline.join(lines)


def wrapped(line: str, width: int = 80) -> list[str]:
    """``line`` as a serial console of ``width`` columns shows it."""
    return [line[at:at + width] for at in range(0, len(line), width)]


#: EC2 style: the fingerprints tagged ``ec2:``, the keys bare, CRLF.
EC2 = console(*HOST_KEYS)
#: Through a syslog daemon: every line prefixed, LF only.
SYSLOG = console(*HOST_KEYS, prefix='<14>Dec  2 10:00:01 ec2: ',
                 fingerprint_prefix='<14>Dec  2 10:00:01 ec2: ',
                 newline='\n')
#: A systemd console: kernel time and unit on every line.
SYSTEMD = console(*HOST_KEYS,
                  prefix='[   25.6{n:04d}] cloud-init[1050]: ',
                  fingerprint_prefix='[   25.5{n:04d}] cloud-init[1050]: ')
