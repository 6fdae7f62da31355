# nft from nftables (Debian 12): adds a table and a chain, lists the table,
# deletes it.  Netlink (NFNL batch): the sendmsg succeeds and the EPERM comes
# back in the ack ("Error: Could not process rule: Operation not permitted",
# exit 1); NET_ADMIN is checked by nfnetlink while it processes the batch.
#
# State: a trial stopped halfway leaves the table; BEFORE_EACH and cleanup
# delete it (and succeed when it is absent).  The name capdiet_corpus is ours
# alone; no other rule set is touched.
# Expected set: NET_ADMIN.
# Oracle (41 trials, 2.3 s here): NET_ADMIN.
DESCRIPTION="nft adds a table and a chain, then deletes them (nftables): netlink, NET_ADMIN checked while sendmsg succeeds"
PACKAGES="nftables"
CMD=(/bin/sh -c 'nft add table inet capdiet_corpus && nft add chain inet capdiet_corpus c && nft list table inet capdiet_corpus >/dev/null && nft delete table inet capdiet_corpus')
BEFORE_EACH="nft delete table inet capdiet_corpus 2>/dev/null; true"
TIMEOUT=10
IN_CI=0

cleanup() {
    nft delete table inet capdiet_corpus 2>/dev/null
    return 0
}
