# SPDX-License-Identifier: GPL-2.0-only
"""The policy semantics of docs/policy-language.md, evaluated in Python.

The ground truth of every scenario capture carries the verdict that the
bundled policy (config/demo-policy.yaml) gives each flow. This evaluator is
written from the specification, independently of the C compiler in
src/policy/, so that a disagreement between the two shows up in the replay
tests instead of being copied from one into the other.

It covers what the demo policy uses and the rest of the language's
decision rules: label selectors (matchLabels, matchExpressions with In,
NotIn, Exists, DoesNotExist), external groups, world, host, unions, port
entries (tcp/N, ranges, bare protocols, icmp, icmpv6, any, proto/N),
deny-beats-allow with the reported rule the first by name, the default
action, and mode overrides (destination first, then source, then global).
"""
import ipaddress

import yaml

PROTO_NUM = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmpv6": 58}


class PolicyError(Exception):
    pass


def _selector_matches(sel, labels):
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != str(v):
            return False
    for e in sel.get("matchExpressions") or []:
        key, op = e["key"], e["operator"]
        vals = [str(x) for x in e.get("values") or []]
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise PolicyError("unknown selector operator %r" % op)
    return True


def _parse_ports(entries):
    """List of (proto number or None for any, lo, hi) ranges."""
    if entries is None:
        return [(None, 0, 65535)]
    out = []
    for e in entries:
        e = str(e).strip()
        if e == "any":
            out.append((None, 0, 65535))
            continue
        if "/" not in e:
            if e not in PROTO_NUM:
                raise PolicyError("unknown protocol %r" % e)
            out.append((PROTO_NUM[e], 0, 65535))
            continue
        proto, port = e.split("/", 1)
        if proto == "proto":
            out.append((int(port), 0, 65535))
            continue
        if proto not in PROTO_NUM:
            raise PolicyError("unknown protocol %r" % proto)
        lo, _, hi = port.partition("-")
        out.append((PROTO_NUM[proto], int(lo), int(hi or lo)))
    return out


class Identity:
    """Who an address is: kind workload/external/world/host."""

    def __init__(self, kind, name, labels=None, group=None):
        self.kind = kind
        self.name = name          # workload name, external group, world
        self.labels = labels or {}
        self.group = group        # identity key (label set) for workloads

    def key(self):
        if self.kind == "workload":
            return "workload:" + ",".join(
                "%s=%s" % kv for kv in sorted(self.labels.items()))
        return "%s:%s" % (self.kind, self.name)


class Policy:
    def __init__(self, path):
        with open(path) as f:
            doc = yaml.safe_load(f)
        if doc.get("version") != 1:
            raise PolicyError("%s: unsupported version" % path)
        self.path = path
        d = doc.get("defaults") or {}
        self.mode = d.get("mode", "enforce")
        self.default = d.get("action", "deny")
        self.host_addrs = [ipaddress.ip_address(a)
                           for a in d.get("host_addresses") or []]
        self.overrides = d.get("overrides") or []
        self.workloads = {}
        self.exact = {}
        self.nets = []
        for w in doc.get("workloads") or []:
            labels = {str(k): str(v) for k, v in (w.get("labels") or {}).items()}
            self.workloads[w["name"]] = w
            ident = Identity("workload", w["name"], labels)
            for a in w.get("addresses") or []:
                self.exact[ipaddress.ip_address(str(a))] = ident
            for c in w.get("cidrs") or []:
                self.nets.append((ipaddress.ip_network(str(c)), ident))
        self.externals = {}
        for x in doc.get("external") or []:
            self.externals[x["name"]] = x
            ident = Identity("external", x["name"], x.get("labels") or {})
            for c in x.get("cidrs") or []:
                self.nets.append((ipaddress.ip_network(str(c)), ident))
        self.rules = []
        for r in doc.get("rules") or []:
            self.rules.append({
                "name": r["name"],
                "from": r.get("from"),
                "to": r.get("to"),
                "ports": _parse_ports(r.get("ports")),
                "action": r.get("action", "allow"),
            })

    # -- identities ------------------------------------------------------------
    def identify(self, ip):
        a = ipaddress.ip_address(ip)
        if a in self.host_addrs:
            return Identity("host", "host")
        if a in self.exact:
            return self.exact[a]
        best = None
        for net, ident in self.nets:
            if a.version == net.version and a in net:
                if best is None or net.prefixlen > best[0].prefixlen:
                    best = (net, ident)
        if best:
            return best[1]
        return Identity("world", "world")

    def addresses(self, name):
        """Addresses of a workload (exact ones) as strings."""
        return [str(a) for a in self.workloads[name].get("addresses") or []]

    def cidr(self, name):
        return [str(c) for c in self.workloads[name].get("cidrs") or []]

    def external_cidrs(self, name):
        return [str(c) for c in self.externals[name].get("cidrs") or []]

    # -- matching --------------------------------------------------------------
    def _peer_matches(self, peer, ident):
        if isinstance(peer, list):
            return any(self._peer_matches(p, ident) for p in peer)
        if peer == "world":
            return ident.kind == "world"
        if peer == "host":
            return ident.kind == "host"
        if isinstance(peer, dict) and "external" in peer:
            names = peer["external"]
            if isinstance(names, str):
                names = [names]
            return ident.kind == "external" and ident.name in names
        if isinstance(peer, dict):
            return ident.kind == "workload" and \
                _selector_matches(peer, ident.labels)
        raise PolicyError("bad peer %r" % (peer,))

    @staticmethod
    def _ports_cover(ports, proto, port):
        for p, lo, hi in ports:
            if p is not None and p != proto:
                continue
            if p in (1, 58) or p is None or proto not in (6, 17, 132):
                return True  # protocol-wide entry
            if lo <= port <= hi:
                return True
        return False

    def _mode_for(self, ident):
        if ident.kind != "workload":
            return None
        for o in self.overrides:
            if _selector_matches(o["selector"], ident.labels):
                return o["mode"]
        return None

    def decide(self, src_ip, dst_ip, proto, dport):
        """Verdict of a flow's first packet: dict(verdict, reason, rule,
        mode). proto is the IP protocol number."""
        s, d = self.identify(src_ip), self.identify(dst_ip)
        deny = allow = None
        for r in sorted(self.rules, key=lambda r: r["name"]):
            if not self._peer_matches(r["from"], s):
                continue
            if not self._peer_matches(r["to"], d):
                continue
            if not self._ports_cover(r["ports"], proto, dport):
                continue
            if r["action"] == "deny":
                deny = deny or r["name"]
            else:
                allow = allow or r["name"]
        mode = self._mode_for(d) or self._mode_for(s) or self.mode
        if deny:
            action, reason, rule = "deny", "policy_denied", deny
        elif allow:
            action, reason, rule = "allow", "none", allow
        else:
            action = self.default
            reason = "default_deny" if action == "deny" else "none"
            rule = None
        if action == "allow":
            verdict = "allow"
        else:
            verdict = "would-deny" if mode == "audit" else "deny"
        return {"verdict": verdict, "reason": reason, "rule": rule,
                "mode": mode, "src_identity": s.key(),
                "dst_identity": d.key()}
