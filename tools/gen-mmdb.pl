#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0-only
#
# Build a MaxMind DB (.mmdb) file for tests and benchmarks, with Debian's
# libmaxmind-db-writer-perl. No real GeoIP database can be downloaded here,
# so the tests describe small databases in JSON and build them at test time.
#
#   gen-mmdb.pl DESC.json OUT.mmdb
#       DESC.json: {
#         "database_type": "GeoLite2-City",     (required)
#         "ip_version": 6,                      (4 or 6; default 6)
#         "record_size": 28,                    (24, 28 or 32; default 28)
#         "description": "text",                (default: the file name)
#         "languages": ["en"],                  (default ["en"])
#         "types": { "key": "uint32" },         (optional type overrides)
#         "build_epoch": 1700000000,            (default: SOURCE_DATE_EPOCH,
#                                                else now)
#         "networks": [ { "network": "198.51.100.0/24",
#                         "data": { ...any JSON... } }, ... ]
#       }
#       With ip_version 6, IPv4 networks go into the IPv4 subtree (::/96)
#       and ::ffff:0:0/96 is aliased to it, as in MaxMind's own files.
#       Networks are inserted in file order: a later, more specific network
#       (a /24 inside a /16) overrides the earlier one inside it.
#       Value types are inferred per map key (string: utf8_string, integer:
#       uint32, or uint64 beyond 32 bits, int32 when negative; fraction:
#       double; true/false: boolean; object: map; array: array) unless
#       "types" names one.
#
#   gen-mmdb.pl --synthetic city|asn --networks N [--seed S] [--list FILE]
#               OUT.mmdb
#       A database of N random networks (IPv4 /16../24 and about one in five
#       IPv6 /32../48) shaped like GeoLite2-City or GeoLite2-ASN, the same
#       for the same seed. --list writes the networks, one per line, so a
#       benchmark can draw addresses inside them.
use strict;
use warnings;

# Same input, same bytes: fixed hash order (the writer serialises maps in
# Perl's hash order), and the build time from SOURCE_DATE_EPOCH if set.
BEGIN {
	if (($ENV{PERL_HASH_SEED} // '') ne '0') {
		$ENV{PERL_HASH_SEED} = '0';
		$ENV{PERL_PERTURB_KEYS} = '0';
		exec($^X, $0, @ARGV) or die "gen-mmdb: cannot re-run perl: $!\n";
	}
}

use B ();
use Getopt::Long qw(GetOptions);
use JSON::PP ();
use MaxMind::DB::Writer::Tree;

my $prog = 'gen-mmdb';

sub fail { die "$prog: @_\n"; }

# Inferred or declared writer types, by map key.
my %key_type;
my %key_where;

sub is_number {
	my ($v) = @_;
	my $flags = B::svref_2object(\$v)->FLAGS;
	return ($flags & (B::SVp_IOK | B::SVp_NOK)) && !($flags & B::SVp_POK);
}

sub type_of {
	my ($v, $where) = @_;

	return 'map' if ref $v eq 'HASH';
	if (ref $v eq 'ARRAY') {
		fail("$where: empty array: its element type cannot be inferred, give it in \"types\"")
		    unless @$v;
		return [ 'array', type_of($v->[0], "$where\[0\]") ];
	}
	return 'boolean' if JSON::PP::is_bool($v);
	fail("$where: null values cannot be stored in a MaxMind DB")
	    unless defined $v;
	if (is_number($v)) {
		if ($v == int($v) && $v !~ /[.eE]/) {
			return 'int32' if $v < 0;
			return $v <= 0xffffffff ? 'uint32' : 'uint64';
		}
		return 'double';
	}
	return 'utf8_string';
}

sub same_type {
	my ($a, $b) = @_;
	return ref $a ? (ref $b && same_type($a->[1], $b->[1])) :
			(!ref $b && $a eq $b);
}

sub type_str { my ($t) = @_; return ref $t ? "array of " . type_str($t->[1]) : $t; }

# Walk a record and learn the type of every map key; a key must keep one
# type across the whole database (the writer asks by key name only).
sub learn_types {
	my ($v, $where, $declared) = @_;

	if (ref $v eq 'HASH') {
		for my $k (sort keys %$v) {
			my $t = type_of($v->{$k}, "$where.$k");
			if ($declared->{$k}) {
				$key_type{$k} = $declared->{$k};
			} elsif (!exists $key_type{$k}) {
				$key_type{$k} = $t;
				$key_where{$k} = "$where.$k";
			} elsif (!same_type($key_type{$k}, $t)) {
				# uint32 and uint64 mix: widen.
				if (!ref $t && !ref $key_type{$k} &&
				    "$t$key_type{$k}" =~ /^(uint32uint64|uint64uint32)$/) {
					$key_type{$k} = 'uint64';
				} else {
					fail("$where.$k is " . type_str($t) .
					     " but $key_where{$k} is " .
					     type_str($key_type{$k}) .
					     ": a key must keep one type (declare it in \"types\")");
				}
			}
			learn_types($v->{$k}, "$where.$k", $declared);
		}
	} elsif (ref $v eq 'ARRAY') {
		learn_types($v->[$_], "$where\[$_\]", $declared) for 0 .. $#$v;
	}
}

# JSON::PP booleans become plain 0/1 for the writer (boolean type).
sub plain {
	my ($v) = @_;
	return { map { $_ => plain($v->{$_}) } keys %$v } if ref $v eq 'HASH';
	return [ map { plain($_) } @$v ] if ref $v eq 'ARRAY';
	return JSON::PP::is_bool($v) ? ($v ? 1 : 0) : $v;
}

sub new_tree {
	my (%a) = @_;
	my $ipv = $a{ip_version};

	fail("ip_version must be 4 or 6, not $ipv") unless $ipv == 4 || $ipv == 6;
	fail("record_size must be 24, 28 or 32, not $a{record_size}")
	    unless $a{record_size} =~ /^(24|28|32)$/;
	my $tree = MaxMind::DB::Writer::Tree->new(
		ip_version => $ipv,
		record_size => $a{record_size},
		database_type => $a{database_type},
		languages => $a{languages},
		description => { en => $a{description} },
		map_key_type_callback => sub { $key_type{ $_[0] } },
		# Test data lives in documentation ranges (RFC 5737/3849),
		# which the writer would otherwise drop silently.
		remove_reserved_networks => 0,
		alias_ipv6_to_ipv4 => $ipv == 6 ? 1 : 0,
	);
	my $epoch = $a{build_epoch} // $ENV{SOURCE_DATE_EPOCH};
	if (defined $epoch) {
		fail("build epoch must be a number of seconds, not '$epoch'")
		    unless $epoch =~ /^\d+$/;
		$tree->_set_build_epoch($epoch);
	}
	return $tree;
}

sub write_db {
	my ($tree, $out) = @_;
	my $tmp = "$out.tmp$$";

	open(my $fh, '>:raw', $tmp) or fail("cannot create $tmp: $!");
	$tree->write_tree($fh);
	close($fh) or fail("cannot write $tmp: $!");
	rename($tmp, $out) or fail("cannot rename $tmp to $out: $!");
}

sub from_json {
	my ($desc, $out) = @_;
	my $text = do {
		open(my $fh, '<:raw', $desc) or fail("cannot open $desc: $!");
		local $/;
		<$fh>;
	};
	my $d = eval { JSON::PP->new->utf8->decode($text) };
	fail("$desc: invalid JSON: $@") unless $d;
	fail("$desc: the top level must be an object") unless ref $d eq 'HASH';
	fail("$desc: \"database_type\" is required") unless $d->{database_type};
	my $nets = $d->{networks};
	fail("$desc: \"networks\" must be a non-empty array")
	    unless ref $nets eq 'ARRAY' && @$nets;

	my %declared = %{ $d->{types} || {} };
	for my $i (0 .. $#$nets) {
		my $n = $nets->[$i];
		fail("$desc: networks[$i]: needs \"network\" and an object \"data\"")
		    unless ref $n eq 'HASH' && $n->{network} && ref $n->{data} eq 'HASH';
		learn_types($n->{data}, "$desc: networks[$i]", \%declared);
	}
	my $ipv = $d->{ip_version} // 6;
	my $tree = new_tree(
		ip_version => $ipv,
		record_size => $d->{record_size} // 28,
		database_type => $d->{database_type},
		languages => $d->{languages} // ['en'],
		description => $d->{description} // $desc,
		build_epoch => $d->{build_epoch},
	);
	for my $i (0 .. $#$nets) {
		my $n = $nets->[$i];
		fail("$desc: networks[$i]: $n->{network} is IPv6 in an IPv4 database")
		    if $ipv == 4 && $n->{network} =~ /:/;
		eval { $tree->insert_network($n->{network}, plain($n->{data})); 1 }
		    or fail("$desc: networks[$i] ($n->{network}): $@");
	}
	write_db($tree, $out);
}

# --- synthetic databases for benchmarks ----------------------------------

my @countries = (
	[ 'US', 'United States' ], [ 'DE', 'Germany' ], [ 'FR', 'France' ],
	[ 'GB', 'United Kingdom' ], [ 'JP', 'Japan' ], [ 'CN', 'China' ],
	[ 'BR', 'Brazil' ], [ 'IN', 'India' ], [ 'RU', 'Russia' ],
	[ 'NL', 'Netherlands' ], [ 'SE', 'Sweden' ], [ 'CA', 'Canada' ],
	[ 'AU', 'Australia' ], [ 'KR', 'South Korea' ], [ 'SG', 'Singapore' ],
	[ 'ZA', 'South Africa' ], [ 'MX', 'Mexico' ], [ 'IT', 'Italy' ],
	[ 'ES', 'Spain' ], [ 'PL', 'Poland' ],
);

sub rand_v4_net {
	my $len = 16 + int(rand(9));
	my $a = int(rand(2**32)) & ~((1 << (32 - $len)) - 1) & 0xffffffff;
	return sprintf('%d.%d.%d.%d/%d', ($a >> 24) & 255, ($a >> 16) & 255,
		       ($a >> 8) & 255, $a & 255, $len);
}

sub rand_v6_net {
	my $len = 32 + int(rand(17));
	my @h = (0x2000 | int(rand(0x2000)), int(rand(0x10000)),
		 int(rand(0x10000)), 0, 0, 0, 0, 0);
	# 2001::/32 (Teredo) and 2002::/16 (6to4) alias the IPv4 subtree.
	$h[0] = 0x2003 if $h[0] == 0x2002 || ($h[0] == 0x2001 && $h[1] == 0);
	# Clear the bits past the prefix (they fall in the third group).
	$h[2] &= (0xffff << (48 - $len)) & 0xffff;
	return sprintf('%x:%x:%x::/%d', @h[0 .. 2], $len);
}

sub synthetic {
	my ($kind, $count, $seed, $list, $out) = @_;

	fail("--synthetic takes city or asn, not '$kind'")
	    unless $kind eq 'city' || $kind eq 'asn';
	fail("--networks must be a positive number") unless $count && $count =~ /^\d+$/;
	srand($seed);
	%key_type = (
		country => 'map', city => 'map', names => 'map',
		iso_code => 'utf8_string', en => 'utf8_string',
		geoname_id => 'uint32',
		autonomous_system_number => 'uint32',
		autonomous_system_organization => 'utf8_string',
	);
	my $tree = new_tree(
		ip_version => 6, record_size => 28,
		database_type => $kind eq 'city' ? 'GeoLite2-City' : 'GeoLite2-ASN',
		languages => ['en'],
		description => "bulkhead synthetic $kind database ($count networks, seed $seed)",
	);
	my $lfh;
	if ($list) {
		open($lfh, '>', $list) or fail("cannot create $list: $!");
	}
	for my $i (1 .. $count) {
		my $net = rand() < 0.8 ? rand_v4_net() : rand_v6_net();
		my $data;
		if ($kind eq 'city') {
			my $c = $countries[ int(rand(@countries)) ];
			$data = { country => { iso_code => $c->[0],
					       names => { en => $c->[1] } } };
			# One network in ten has no city, as in real files.
			my $city = int(rand(5000));
			$data->{city} = { geoname_id => $city,
					  names => { en => "$c->[1] City $city" } }
			    if rand() >= 0.1;
		} else {
			my $asn = 1 + int(rand(60000));
			$data = { autonomous_system_number => $asn };
			$data->{autonomous_system_organization} = "Example Networks AS$asn"
			    if rand() >= 0.05;
		}
		$tree->insert_network($net, $data);
		print $lfh "$net\n" if $lfh;
	}
	close($lfh) if $lfh;
	write_db($tree, $out);
}

my ($syn, $nnets, $seed, $list) = (undef, undef, 1, undef);
GetOptions('synthetic=s' => \$syn, 'networks=i' => \$nnets,
	   'seed=i' => \$seed, 'list=s' => \$list)
    or fail("usage: gen-mmdb.pl DESC.json OUT.mmdb | --synthetic city|asn --networks N [--seed S] [--list FILE] OUT.mmdb");
if (defined $syn) {
	fail("usage: gen-mmdb.pl --synthetic city|asn --networks N [--seed S] [--list FILE] OUT.mmdb")
	    unless @ARGV == 1;
	synthetic($syn, $nnets, $seed, $list, $ARGV[0]);
} else {
	fail("usage: gen-mmdb.pl DESC.json OUT.mmdb") unless @ARGV == 2;
	from_json(@ARGV);
}
