#!/usr/bin/env bash
# Make (or repair) a drop folder on a Linux file server, as docs/guide-it.md describes. Run as root:
#
#   packaging/drop-folder/setup-linux.sh /srv/evidence-drop [STAFF_GROUP] [REVIEWER_GROUP] [OWNER]
#
# Defaults: groups ec-staff and ec-reviewers, owner ec-drop (a system account nobody logs in as; the reviewers'
# Samba share acts as it). What it sets, and why:
#   owner OWNER, group REVIEWER_GROUP, mode 3770   setgid: every new file gets the reviewers' group;
#                                                  sticky: only a file's owner, or the folder's owner, may
#                                                  delete or replace it; nobody else has any access
#   ACL g:STAFF_GROUP:-wx                           staff may create files, but may not list the folder
#   default ACL u::rw,g::r,o::-,m::r                every new file is 0640: its author may read and write
#                                                  it, reviewers may read it, nobody else, whatever mode or
#                                                  umask the author's program used
#   receipts/: OWNER, REVIEWER_GROUP, mode 3770     reviewers' signed receipts (issue 15), written through the
#   ACL g:STAFF_GROUP:--x                           reviewers' share; staff may open a receipt by its name (the
#   default ACL g:STAFF_GROUP:r                     app knows the names) but may not list the folder, nor write
#                                                  in it: a member of staff sees their own receipts, not which
#                                                  other incidents exist
# Revisions are new files (REF.rN.zip.age), never replaced: nobody needs to replace or delete a file in normal use.
# It prints the Samba shares that go with it. It changes nothing it does not name, and can be run again.
set -euo pipefail

dir=${1:?usage: $0 FOLDER [STAFF_GROUP] [REVIEWER_GROUP] [OWNER]}
staff=${2:-ec-staff}
reviewers=${3:-ec-reviewers}
owner=${4:-ec-drop}

[ "$(id -u)" -eq 0 ] || { echo "$0: run as root" >&2; exit 1; }
command -v setfacl >/dev/null || { echo "$0: setfacl is missing: apt-get install acl" >&2; exit 1; }

getent group "$staff" >/dev/null || groupadd "$staff"
getent group "$reviewers" >/dev/null || groupadd "$reviewers"
id "$owner" >/dev/null 2>&1 ||
  useradd --system --gid "$reviewers" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner"

install -d -o "$owner" -g "$reviewers" -m 3770 "$dir"
chown "$owner:$reviewers" "$dir"
chmod 3770 "$dir"
setfacl -m "g:$staff:-wx,m::rwx" "$dir"
setfacl -d -m "u::rw-,g::r--,o::---,m::r--" "$dir"

receipts="$dir/receipts"
install -d -o "$owner" -g "$reviewers" -m 3770 "$receipts"
setfacl -b "$receipts"
chown "$owner:$reviewers" "$receipts"
chmod 3770 "$receipts"
setfacl -m "g:$staff:--x,m::rwx" "$receipts"
setfacl -d -m "u::rw-,g::r--,g:$staff:r--,o::---,m::r--" "$receipts"

cat <<SAMBA
# Add to /etc/samba/smb.conf, then: systemctl reload smbd
[evidence-drop]
   comment = Evidence Capture: staff drop sealed bundles here
   path = $dir
   valid users = @$staff
   read only = no
   browseable = no
   hide unreadable = yes
   create mask = 0640
   force create mode = 0640
   directory mask = 0000
   inherit acls = no
   vfs objects = full_audit
   full_audit:success = connect disconnect openat renameat linkat unlinkat
   full_audit:failure = connect openat renameat linkat unlinkat

[evidence-review]
   comment = Evidence Capture: reviewers' inbox
   path = $dir
   valid users = @$reviewers
   read only = no
   browseable = no
   force user = $owner
   force group = $reviewers
   create mask = 0640
   force create mode = 0640
   directory mask = 0000
   inherit acls = yes
   vfs objects = full_audit
   full_audit:prefix = %u|%I
   full_audit:success = connect disconnect openat renameat linkat unlinkat
   full_audit:failure = connect openat renameat linkat unlinkat
SAMBA
