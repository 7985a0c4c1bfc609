#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The manual pages: each renders with no warning from man and groff, and
# each agrees with the program it describes:
#   dmvpnctl.8      every command and option of "dmvpnctl --help", and no
#                   command that help does not list
#   dmvpnd.8        every option of "dmvpnd --help"
#   dmvpnd.conf.5   every directive of config.c's table, and no other
#   dmvpn.4         every link option the ip plugin's help lists
#
# usage: man_pages.sh MAN_DIR DMVPNCTL DMVPND PLUGIN_DIR CONFIG_C
set -u
man_dir=$1 dmvpnctl=$2 dmvpnd=$3 plugin_dir=$4 config_c=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
	echo "man_pages: FAIL: $*"
	failed=1
}

# The page as a reader sees it, without bold and underline.
render() {
	MANWIDTH=${2:-80} man -l "$man_dir/$1" 2>/dev/null | col -b
}

for page in dmvpnctl.8 dmvpnd.8 dmvpnd.conf.5 dmvpn.4; do
	if ! MANWIDTH=80 man --warnings -l "$man_dir/$page" >/dev/null 2>"$tmp/warn"; then
		fail "$page: man failed: $(cat "$tmp/warn")"
	elif [ -s "$tmp/warn" ]; then
		fail "$page: warnings:"
		sed 's/^/  /' "$tmp/warn"
	fi
done

# The commands in a usage text, one "object command" a line, with the
# alternatives of { a | b } spelled out: "cache { del | get } PREFIX"
# gives "cache del" and "cache get".
commands() {
	# A description follows the usage after two blanks or more.
	sed 's/^ *//; s/  .*//' | awk -v objects="$1" '
	BEGIN { n = split(objects, o, " "); for (i = 1; i <= n; i++) obj[o[i]] = 1 }
	$1 in obj {
		np = 1; prefix[1] = ""
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^[a-z][a-z-]*$/) {
				for (p = 1; p <= np; p++)
					prefix[p] = prefix[p] (prefix[p] == "" ? "" : " ") $i
			} else if ($i == "{") {
				na = 0
				for (i++; i <= NF && $i != "}"; i++)
					if ($i != "|")
						alt[++na] = $i
				if (i > NF) break
				nn = 0
				for (p = 1; p <= np; p++)
					for (a = 1; a <= na; a++)
						next_prefix[++nn] = prefix[p] " " alt[a]
				np = nn
				for (p = 1; p <= np; p++) prefix[p] = next_prefix[p]
			} else {
				break
			}
		}
		for (p = 1; p <= np; p++) print prefix[p]
	}' | sort -u
}

objects="cache stats monitor show purge flush reload debug"
"$dmvpnctl" --help | commands "$objects" >"$tmp/help.commands"
render dmvpnctl.8 200 | commands "$objects" >"$tmp/page.commands"
[ -s "$tmp/help.commands" ] || fail "dmvpnctl --help: no command found"
only_help=$(comm -23 "$tmp/help.commands" "$tmp/page.commands")
only_page=$(comm -13 "$tmp/help.commands" "$tmp/page.commands")
[ -z "$only_help" ] || fail "dmvpnctl.8 lacks: $(tr '\n' ',' <<<"$only_help")"
[ -z "$only_page" ] || fail "dmvpnctl.8 has, dmvpnctl --help does not: $(tr '\n' ',' <<<"$only_page")"

# Long options: every one in the help is in the page.
check_options() {
	local page=$1 help_text=$2 option
	grep -o -- '--[a-z][a-z-]*' <<<"$help_text" | sort -u | while read -r option; do
		render "$page" | grep -q -- "$option" || echo "$option"
	done >"$tmp/missing.options"
	[ ! -s "$tmp/missing.options" ] ||
		fail "$page lacks options: $(tr '\n' ' ' <"$tmp/missing.options")"
}
check_options dmvpnctl.8 "$("$dmvpnctl" --help)"
check_options dmvpnd.8 "$("$dmvpnd" --help)"

# dmvpnd.conf.5: the directives of config.c, each a paragraph tag of the
# DIRECTIVES section, and nothing else there.
sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",[[:space:]]*do_[a-z_]* },.*/\1/p' "$config_c" |
	sort -u >"$tmp/config.directives"
render dmvpnd.conf.5 200 |
	awk '/^DIRECTIVES/ { on = 1; next } /^[A-Z]/ { on = 0 } on && /^       [a-z]/ { print $1 }' |
	sort -u >"$tmp/page.directives"
[ -s "$tmp/config.directives" ] || fail "no directive found in $config_c"
only_config=$(comm -23 "$tmp/config.directives" "$tmp/page.directives")
only_page=$(comm -13 "$tmp/config.directives" "$tmp/page.directives")
[ -z "$only_config" ] || fail "dmvpnd.conf.5 lacks directives: $(tr '\n' ',' <<<"$only_config")"
[ -z "$only_page" ] || fail "dmvpnd.conf.5 has directives config.c does not: $(tr '\n' ',' <<<"$only_page")"

# dmvpn.4: the options of the plugin's own help, "[no]csum" as csum and
# nocsum, each in the page's OPTIONS section.
ip=$(command -v ip) || fail "no ip binary (make check installs iproute2)"
if [ -n "$ip" ]; then
	IP_LIB_DIR=$plugin_dir "$ip" link add dmvpn-man0 type dmvpn help 2>&1 |
		grep -o '\[ [a-z[][a-z-]*\]*[a-z-]*' | sed 's/^\[ //' |
		sed 's/^\[no\]\(.*\)/\1\nno\1/' | sort -u >"$tmp/plugin.options"
	render dmvpn.4 200 | awk '/^OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' >"$tmp/page.options"
	[ -s "$tmp/plugin.options" ] || fail "the plugin's help lists no option"
	while read -r option; do
		grep -Eq "(^|[^a-z-])(\[no\])?${option#no}([^a-z-]|$)" "$tmp/page.options" ||
			fail "dmvpn.4 lacks link option $option"
	done <"$tmp/plugin.options"
fi

if [ "$failed" -eq 0 ]; then
	echo "man_pages: ok (4 pages, $(wc -l <"$tmp/help.commands") commands, $(wc -l <"$tmp/config.directives") directives, $(wc -l <"$tmp/plugin.options") link options)"
fi
exit "$failed"
