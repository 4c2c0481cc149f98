#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Writes the cluster's policy to $1. $2: mode (enforce|audit, default
# enforce); $3: extra rules (YAML, indented as list items). The cluster:
# web 10.199.0.11, api .12, db .13, attacker .66.
mode=${2:-enforce}
cat >"$1" <<POLICY
version: 1
defaults:
  mode: $mode
  action: deny
workloads:
  - {name: web, labels: {app: web, tier: frontend}, addresses: [10.199.0.11]}
  - {name: api, labels: {app: api, tier: backend}, addresses: [10.199.0.12]}
  - {name: db, labels: {app: db, tier: data}, addresses: [10.199.0.13]}
  - {name: attacker, labels: {app: attacker}, addresses: [10.199.0.66]}
rules:
  - name: web-to-api
    from: {matchLabels: {app: web}}
    to: {matchLabels: {app: api}}
    ports: [tcp/8080, udp/9000, icmp]
  - name: api-to-db
    from: {matchLabels: {tier: backend}}
    to: {matchLabels: {app: db}}
    ports: [tcp/5432, udp/5433, icmp]
  - name: deny-attacker
    from: {matchLabels: {app: attacker}}
    to: {}
    action: deny
${3:-}
POLICY
