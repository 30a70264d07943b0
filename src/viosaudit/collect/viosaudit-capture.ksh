#!/usr/bin/ksh
# viosaudit-capture.ksh: capture the viosaudit VIOS command set on a VIOS that allows no remote login.
#
# Run it as root on the VIOS (log in as padmin, type oem_setup_env, then):
#     ksh /home/padmin/viosaudit-capture.ksh [-o DIR] [-n HOST] [-m MANAGED_SYSTEM] [-p PARTITION]
# It runs, read-only:
#     /usr/ios/cli/ioscli ioslevel            -> ioslevel
#     /usr/ios/cli/ioscli lsmap -all          -> lsmap_all
#     /usr/ios/cli/ioscli lsmap -all -npiv    -> lsmap_npiv
#     /usr/ios/cli/ioscli lsmap -all -net     -> lsmap_net
#     /usr/ios/cli/ioscli lspv                -> lspv
#     emgr -l                                 -> emgr_l
#     lslpp -Lc                               -> lslpp_lc
#     lsattr -El hdiskN -a reserve_policy     -> disk_reserve (each disk of lsdev -Cc disk; also unique_id)
#     lsattr -El entN -a ha_mode ...          -> sea_attrs (each SEA of lsdev -Cc adapter -t sea)
# and writes DIR/viosaudit-<host>-<UTC time>.tar (DIR defaults to /tmp) holding manifest.json and
# captures/<host>/<id>.txt (standard output, byte for byte) plus <id>.stderr when a command wrote to
# standard error. The manifest records each command, its start and end time (UTC), exit status and
# SHA-256 (from csum -h SHA256 on AIX, or sha256sum/openssl elsewhere; left empty when none exists,
# and the importer fills it in). Copy the tar to the audit workstation and run:
#     viosaudit import viosaudit-<host>-<time>.tar
#
# Portable on purpose: POSIX sh and AIX ksh88 (no bash-isms, no GNU options, no Python).
# Exit status: 0 all commands succeeded; 1 some command failed (see the manifest); 2 usage error.

PATH=$PATH:/usr/bin:/usr/sbin:/usr/ios/cli
export PATH
LANG=C
LC_ALL=C
export LANG LC_ALL
umask 077

VERSION=1
OUTDIR=/tmp
HOST=
SYSTEM=
PARTITION=

usage() {
    printf '%s\n' "usage: $0 [-o DIR] [-n HOST] [-m MANAGED_SYSTEM] [-p PARTITION]" >&2
}

while getopts o:n:m:p:h opt; do
    case $opt in
    o) OUTDIR=$OPTARG ;;
    n) HOST=$OPTARG ;;
    m) SYSTEM=$OPTARG ;;
    p) PARTITION=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage; exit 2 ;;
    esac
done

if [ -n "$VIOSAUDIT_IOSCLI" ]; then
    IOSCLI=$VIOSAUDIT_IOSCLI
elif [ -x /usr/ios/cli/ioscli ]; then
    IOSCLI=/usr/ios/cli/ioscli
else
    IOSCLI=ioscli
fi

[ -n "$HOST" ] || HOST=$(hostname 2>/dev/null)
[ -n "$HOST" ] || HOST=$(uname -n)
if [ -z "$PARTITION" ]; then
    # AIX: "uname -L" prints "<partition id> <partition name>"; "-1 NULL" outside a partition.
    LPAR=$(uname -L 2>/dev/null)
    case $LPAR in
    "" | -1*) PARTITION=$HOST ;;
    *) PARTITION=${LPAR#* } ;;
    esac
fi

now() {
    date -u +%Y-%m-%dT%H:%M:%SZ
}

# A file-system-safe form of a name (the same rule as viosaudit's snapshot.safe_name).
safe() {
    printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'
}

# A JSON string value: backslashes and quotes escaped, control characters dropped.
json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr -d '\001-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

json_or_null() {
    if [ -n "$1" ]; then json_str "$1"; else printf 'null'; fi
}

sha256_of() {
    SUM=
    if type csum >/dev/null 2>&1; then
        SUM=$(csum -h SHA256 "$1" 2>/dev/null | awk '{print $1}')
    fi
    if [ -z "$SUM" ] && type sha256sum >/dev/null 2>&1; then
        SUM=$(sha256sum "$1" 2>/dev/null | awk '{print $1}')
    fi
    if [ -z "$SUM" ] && type openssl >/dev/null 2>&1; then
        SUM=$(openssl dgst -sha256 "$1" 2>/dev/null | awk '{print $NF}')
    fi
    SUM=$(printf '%s' "$SUM" | tr 'ABCDEF' 'abcdef')
    case $SUM in
    *[!0-9a-f]*) SUM= ;;
    esac
    [ ${#SUM} -eq 64 ] || SUM=
    printf '%s' "$SUM"
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SAFEHOST=$(safe "$HOST")
NAME=viosaudit-$SAFEHOST-$STAMP
WORK=${TMPDIR:-/tmp}/viosaudit-capture.$$
ARCHIVE=$OUTDIR/$NAME.tar

if ! mkdir "$WORK"; then
    printf '%s\n' "$0: cannot create work folder $WORK" >&2
    exit 2
fi
trap 'rm -rf "$WORK"' 0
trap 'exit 130' 1 2 15
CAPDIR=$WORK/captures/$SAFEHOST
mkdir -p "$CAPDIR" || exit 2
: >"$WORK/entries"
FAILED=0
COUNT=0

# run ID SHOWN COMMAND [ARG...]: run one command, keep its output verbatim, record it in the manifest.
run() {
    ID=$1
    SHOWN=$2
    shift 2
    OUT=$CAPDIR/$ID.txt
    ERR=$CAPDIR/$ID.stderr
    STARTED=$(now)
    "$@" >"$OUT" 2>"$ERR"
    RC=$?
    ENDED=$(now)
    [ -s "$ERR" ] || rm -f "$ERR"
    [ "$RC" -eq 0 ] || FAILED=1
    if [ "$COUNT" -gt 0 ]; then printf ',\n' >>"$WORK/entries"; fi
    COUNT=$((COUNT + 1))
    {
        printf '    {\n'
        printf '      "file": %s,\n' "$(json_str "captures/$SAFEHOST/$ID.txt")"
        printf '      "host": %s,\n' "$(json_str "$HOST")"
        printf '      "role": "vios",\n'
        printf '      "command_id": "%s",\n' "$ID"
        printf '      "command": %s,\n' "$(json_str "$SHOWN")"
        printf '      "started": "%s",\n' "$STARTED"
        printf '      "ended": "%s",\n' "$ENDED"
        printf '      "exit_status": %s,\n' "$RC"
        printf '      "sha256": "%s",\n' "$(sha256_of "$OUT")"
        printf '      "managed_system": %s,\n' "$(json_or_null "$SYSTEM")"
        printf '      "partition": %s,\n' "$(json_or_null "$PARTITION")"
        printf '      "via": null\n'
        printf '    }'
    } >>"$WORK/entries"
    printf '%s\n' "$ID: exit status $RC"
}

CREATED=$(now)
run ioslevel "$IOSCLI ioslevel" "$IOSCLI" ioslevel
run lsmap_all "$IOSCLI lsmap -all" "$IOSCLI" lsmap -all
run lsmap_npiv "$IOSCLI lsmap -all -npiv" "$IOSCLI" lsmap -all -npiv
run lsmap_net "$IOSCLI lsmap -all -net" "$IOSCLI" lsmap -all -net
run lspv "$IOSCLI lspv" "$IOSCLI" lspv
# emgr reports "There is no efix data on this system." on stderr: keep it in the capture.
emgr_merged() { emgr -l 2>&1; }
run emgr_l "emgr -l 2>&1" emgr_merged
run lslpp_lc "lslpp -Lc" lslpp -Lc
# The same lines as viosaudit's commands.py; lsattr's errors are merged so a disk without the
# attribute shows as unknown instead of vanishing.
disk_reserve() {
    for d in $(lsdev -Cc disk -F name); do for a in reserve_policy unique_id; do echo "$d $a $(lsattr -El $d -a $a -F value 2>&1)"; done; done
}
sea_attrs() {
    for d in $(lsdev -Cc adapter -t sea -F name); do lsattr -El $d -a ha_mode -a ctl_chan -a pvid_adapter -a virt_adapters -F 'attribute value' 2>&1 | sed "s/^/$d /"; done
}
run disk_reserve "for d in \$(lsdev -Cc disk -F name); do for a in reserve_policy unique_id; do echo \"\$d \$a \$(lsattr -El \$d -a \$a -F value 2>&1)\"; done; done" disk_reserve
run sea_attrs "for d in \$(lsdev -Cc adapter -t sea -F name); do lsattr -El \$d -a ha_mode -a ctl_chan -a pvid_adapter -a virt_adapters -F 'attribute value' 2>&1 | sed \"s/^/\$d /\"; done" sea_attrs

UID_NOW=$(id -u 2>/dev/null)
SYSID=$(uname -u 2>/dev/null)
{
    printf '{\n'
    printf '  "format": "viosaudit-snapshot/1",\n'
    printf '  "snapshot_id": %s,\n' "$(json_str "$NAME")"
    printf '  "created": "%s",\n' "$CREATED"
    printf '  "collector": "viosaudit-capture.ksh %s",\n' "$VERSION"
    printf '  "notes": [\n'
    printf '    %s,\n' "$(json_str "captured on $HOST as uid $UID_NOW")"
    printf '    %s\n' "$(json_str "system id (uname -u): $SYSID")"
    printf '  ],\n'
    printf '  "captures": [\n'
    cat "$WORK/entries"
    printf '\n  ],\n'
    printf '  "gaps": []\n'
    printf '}\n'
} >"$WORK/manifest.json"

if ! (cd "$WORK" && tar -cf "$ARCHIVE" manifest.json captures); then
    printf '%s\n' "$0: cannot write $ARCHIVE" >&2
    exit 2
fi
printf '%s\n' "wrote $ARCHIVE"
exit $FAILED
