#!/bin/sh
# Runs in the server pod's init container, before Zeppelin starts, every time:
#  - makes the notebook volume's two directories (the notes; Zeppelin's own state), as the
#    server's user, so that they are the server's to write (a directory the kubelet makes for
#    a subPath mount would be root's);
#  - writes shiro.ini: the chart's [main]/[roles]/[urls] plus a [users] section holding each
#    user's salted, iterated password hash in Shiro's own format ($shiro1$..., read by
#    Shiro's PasswordMatcher), taken from the mounted auth Secret's key <user>.shiro1;
#  - installs the platform's interpreter settings (interpreter.json) in Zeppelin's state
#    directory, so that an upgrade's new mounts and Spark settings apply at the next start.
# Paths come from the environment so that the script can be run (and tested) anywhere.
set -eu

setup=${SETUP_DIR:-/etc/zeppelin-setup}
secrets=${AUTH_DIR:-/etc/zeppelin-auth}
out=${OUTPUT_DIR:-/run/zeppelin}
storage=${NOTEBOOK_STORAGE:?NOTEBOOK_STORAGE must be set}
notes="$storage/${NOTEBOOKS_SUBPATH:?NOTEBOOKS_SUBPATH must be set}"
config="$storage/${CONFIG_SUBPATH:?CONFIG_SUBPATH must be set}"
secret_name=${AUTH_SECRET:-the auth Secret}

mkdir -p -m 0775 "$notes" 2>/dev/null || true
mkdir -p -m 0700 "$config" 2>/dev/null || true
for dir in "$notes" "$config"; do
  if [ ! -d "$dir" ] || [ ! -w "$dir" ]; then
    echo "$dir on the notebook volume is missing or not writable by uid $(id -u)" \
         "(gid $(id -g)): give that user write access to the volume's top directory" \
         "(e.g. chown it on the share), then restart the pod." >&2
    exit 1
  fi
done

umask 077
{
  cat "$setup/shiro-base.ini"
  printf '\n[users]\n'
  while read -r name roles; do
    [ -n "$name" ] || continue
    if [ ! -s "$secrets/$name.shiro1" ]; then
      echo "$secret_name has no password hash for user '$name' (no key '$name.shiro1', or" \
           "it is empty); every user in auth.users needs one. platform deploy writes it;" \
           "by hand: python -m gaia_platform.shiro (prints the hash of a password)." >&2
      exit 1
    fi
    hash=$(cat "$secrets/$name.shiro1")
    case "$hash" in
      '$shiro1$'*) ;;
      *) echo "$secret_name key '$name.shiro1' is not a Shiro hash (\$shiro1\$...)." >&2
         exit 1 ;;
    esac
    if [ -n "$roles" ]; then
      printf '%s = %s, %s\n' "$name" "$hash" "$(printf '%s' "$roles" | sed 's/,/, /g')"
    else
      printf '%s = %s\n' "$name" "$hash"
    fi
  done < "$setup/users"
} > "$out/shiro.ini.partial"
mv "$out/shiro.ini.partial" "$out/shiro.ini"

cp "$setup/interpreter.json" "$config/interpreter.json.partial"
mv "$config/interpreter.json.partial" "$config/interpreter.json"
echo "shiro.ini written for $(grep -c . "$setup/users") user(s); interpreter settings installed"
