"""The errors of the key logic: each message is one line for the user."""

from keypairs_osc import problem


class InvalidKey(problem.Problem, ValueError):
    """A key that cannot be used; the message is one line for the user."""


class PrivateKeyGiven(InvalidKey):
    """Private key material where a public key was expected."""


class PassphraseRequired(InvalidKey):
    """The private key is encrypted and no passphrase was given."""


class WrongPassphrase(InvalidKey):
    """The passphrase does not decrypt the private key."""
