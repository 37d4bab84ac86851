#!/usr/bin/env bash
# Installs the system packages slips needs to build and test (idempotent: only what is
# missing). Build: a C compiler and libpcap-dev (live capture, -i). Tests: nfdump and argus
# (flow-source tests), ieee-data (MAC vendors), tshark and suricata (packet-engine
# cross-checks), iproute2 and curl (live capture test in a network namespace); nftables,
# iptables, ipset, nmap, ping and python3 (blocking tests inside network namespaces); tmux
# (the terminal interface's end-to-end test); redis-server (Redis publishing tests, on a
# port of their own); a Python venv with medallion and stix2 (TAXII/STIX export tests);
# chromium and chromium-driver (the web interface's browser tests).
set -euo pipefail

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
[ -e /usr/include/pcap.h ] || need_apt+=(libpcap-dev)
if [ "${1:-}" = "--test" ]; then
    command -v nfdump >/dev/null 2>&1 || need_apt+=(nfdump)
    command -v ra >/dev/null 2>&1 || need_apt+=(argus-client)
    command -v argus >/dev/null 2>&1 || need_apt+=(argus-server)
    [ -f /usr/share/ieee-data/oui.csv ] || need_apt+=(ieee-data)
    command -v tshark >/dev/null 2>&1 || need_apt+=(tshark)
    command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
    command -v curl >/dev/null 2>&1 || need_apt+=(curl)
    command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
    command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)
    command -v ipset >/dev/null 2>&1 || need_apt+=(ipset)
    command -v nmap >/dev/null 2>&1 || need_apt+=(nmap)
    command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
    command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
    command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
    command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
    command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fi
if ((${#need_apt[@]})); then
    echo "installing: ${need_apt[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# Suricata (packet-engine cross-check, --engine suricata) is only in bookworm-backports.
if [ "${1:-}" = "--test" ] && ! command -v suricata >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
    if [ "$codename" = bookworm ]; then
        src=/etc/apt/sources.list.d/backports.sources
        if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
            # The same Debian mirror the machine already uses for bookworm.
            mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/debian.sources | awk '{print $2}' | grep -v security | head -n1)"
            [ -n "$mirror" ] || mirror="$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1)"
            echo "adding bookworm-backports ($src) for suricata"
            printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" |
                $sudo tee "$src" >/dev/null
        fi
        echo "installing: suricata (bookworm-backports)"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -t bookworm-backports suricata >/dev/null
    else
        echo "suricata not installed (bookworm-backports only); its cross-check test will skip" >&2
    fi
fi
# TAXII/STIX export tests: the OASIS reference TAXII server medallion and the stix2
# library, in a venv of their own (SLIPS_TEST_VENV, default ~/.cache/slips-test/venv).
if [ "${1:-}" = "--test" ]; then
    venv="${SLIPS_TEST_VENV:-${HOME:-/root}/.cache/slips-test/venv}"
    if ! "$venv/bin/python" -c "import medallion, stix2" >/dev/null 2>&1; then
        if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
            sudo=""
            [ "$(id -u)" = 0 ] || sudo="sudo"
            echo "installing: python3-venv"
            $sudo apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
        fi
        echo "creating $venv with medallion and stix2"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q medallion stix2
    fi
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
