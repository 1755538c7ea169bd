# keypair rotate, on the guest: replace the login user's authorized_keys
# with stdin, atomically, if its SHA-256 is still $1. Exit 4 if it changed
# meanwhile, 5 if it is a symbolic link, non-zero if any step fails (the
# file then is as it was). POSIX sh and tools BusyBox has too: the
# temporary file takes the old one's mode and owner from cp -p.
set -e
f="$HOME/.ssh/authorized_keys"
[ ! -L "$f" ] || exit 5
[ "$(sha256sum < "$f" | cut -d " " -f 1)" = "$1" ] || exit 4
t=$(mktemp "${f%/*}/.authorized_keys.XXXXXX")
trap 'rm -f -- "$t"' EXIT
cp -p -- "$f" "$t"
cat > "$t"
mv -f -- "$t" "$f"
trap - EXIT
