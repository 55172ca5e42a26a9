#!/usr/bin/env perl
# SPDX-License-Identifier: Apache-2.0
# Every diagnostic has a case: the compiler's C sources (compiler/, searched recursively) in,
# the list of user-facing messages that no expected output pins out (exit 1 if any).
#
# A message is the format string of a call to diag_error, diag_warn, cli_usage, or
# fprintf(stderr, ...) (adjacent literals joined, C escapes decoded). A format with no letters
# (" %d", "\n": a piece of a message printed in parts) or one that is only conversions ("%s":
# the text comes from elsewhere) is not a message. Each printf conversion becomes a wildcard.
#
# What counts as an expected output (the suite compares the compiler's real output with it):
#   - exact outputs: tests/**/*.err (the error cases, tests/errors/README.md): the message's
#     pattern must match in the file, conversions matching anything on the same line;
#   - expectations in test scripts: tests/cli/*.sh and tests/e2e/*.sh (their expect_out and
#     check lines grep the real output): the message's longest fixed piece of text must appear
#     in the script, regex backslashes removed. A regex that skips that piece with '.*' does
#     not count: pin the text that tells this message from the others.
# Unit tests (tests/unit/*.c) do not count: they check a leaf function, not what a user sees.
#
# Messages no user can cause are on the allowlist at the end of this file, one per line:
# the format as decoded (conversions as in the source), a tab, the reason. An entry that
# matches no message any more fails the test too, so the list cannot rot.
# Usage: coverage.pl [TOP]   (TOP: the source tree, by default two levels above this script)
use strict;
use warnings;
use File::Find;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $top = $ARGV[0] // abs_path(dirname(abs_path($0)) . '/../..');

sub slurp { my ($f) = @_; open(my $h, '<:raw', $f) or die "coverage: cannot read $f: $!\n"; local $/; my $t = <$h>; return $t; }

sub decode_c {   # the bytes a C string literal's body stands for
    my ($s) = @_;
    my %esc = (n => "\n", t => "\t", r => "\r", '"' => '"', "'" => "'", '\\' => '\\', a => "\a", e => "\e", '?' => '?');
    $s =~ s/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/
        my $e = $1; $e =~ m{^x} ? chr(hex(substr($e, 1))) : $e =~ m{^[0-7]} ? chr(oct($e)) : ($esc{$e} \/\/ $e)/ge;
    return $s;
}

sub arguments {   # the top-level arguments of the call whose '(' ends before $at in $text
    my ($text, $at) = @_;
    my ($depth, $cur, @args) = (0, '');
    pos($text) = $at;
    while ($text =~ /\G("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|[()\[\]{},]|[^"'()\[\]{},]+)/gc) {
        my $t = $1;
        if ($t =~ /^[(\[{]$/) { $depth++ }
        elsif ($t =~ /^[)\]}]$/) { last if $depth-- == 0 }
        elsif ($t eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next }
        $cur .= $t;
    }
    return (@args, $cur);
}

my $conv = qr/%[-+ #0]*[0-9*]*(?:\.[0-9*]+)?(?:hh|h|ll|l|z|j|t|L)?[a-zA-Z%]/;   # a printf conversion

# The format strings: [file, line, format] for every call above.
my @messages;
my $calls = qr/\b(?:diag_error|diag_warn|cli_usage)\s*\(|\bfprintf\s*\(\s*stderr\s*,/;
my @sources;
find(sub { push @sources, $File::Find::name if /\.c$/ }, "$top/compiler");
for my $file (sort @sources) {
    my $text = slurp($file);
    # Comments out (a comment may quote a call), keeping the line count and the strings.
    $text =~ s{("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|/\*.*?\*/|//[^\n]*}
              { defined $1 ? $1 : join('', map { "\n" } ($& =~ /\n/g)) }gse;
    while ($text =~ /$calls/g) {
        my ($call, $at) = ($&, pos($text));
        my $line = 1 + (substr($text, 0, $at) =~ tr/\n//);
        # The format argument: after (d, loc) for diag_*, after cmd for cli_usage; each run of
        # adjacent literals in it is a format (two for `cond ? "a" : "b"`), PRIu64 and friends
        # between literals are conversions.
        my $skip = $call =~ /^diag/ ? 2 : $call =~ /^cli/ ? 1 : 0;
        my $arg = (arguments($text, $at))[$skip] // '';
        while ($arg =~ /((?:"(?:\\.|[^"\\\n])*"\s*(?:PRI\w+\s*)?)+)/g) {
            my $run = $1;
            my $fmt = '';
            while ($run =~ /"((?:\\.|[^"\\\n])*)"|(PRI\w+)/g) { $fmt .= defined $1 ? decode_c($1) : '%' . lc(substr($2, -1)) }
            (my $bare = $fmt) =~ s/$conv//g;
            next unless $bare =~ /[A-Za-z]{2}/;
            (my $rel = $file) =~ s{^\Q$top\E/}{};
            push @messages, [$rel, $line, $fmt];
        }
    }
}

# The allowlist (after __DATA__).
my %allowed;
while (my $l = <DATA>) {
    chomp $l;
    next if $l =~ /^\s*(#|$)/;
    my ($fmt, $why) = split /\t+/, $l, 2;
    die "coverage: allowlist entry without a reason: $l\n" unless $why;
    $allowed{decode_c($fmt)} = 0;
}

# The expected outputs.
my (@exact, @scripts);
find(sub { push @exact, $File::Find::name if /\.err$/ }, "$top/tests");
for my $dir ("$top/tests/cli", "$top/tests/e2e") { push @scripts, glob("$dir/*.sh") }
my $exact = join("\n", map { slurp($_) } sort @exact);
my $scripts = join("\n", map { slurp($_) } sort @scripts);
$scripts =~ s/\\(.)/$1/g;

my @missing;
my %seen;
for my $m (@messages) {
    my ($file, $line, $fmt) = @$m;
    if (exists $allowed{$fmt}) { $allowed{$fmt}++; next }
    # Each line of the message with text on it, without the "ovstrace: " every command's
    # messages start with (the scripts often match without it).
    (my $text = $fmt) =~ s/^ovstrace: //;
    my @lines = grep { (my $b = $_) =~ s/$conv//g; $b =~ /[A-Za-z]{2}/ } split /\n/, $text;
    my $pinned = 1;
    for my $l (@lines) {
        # A conversion at either end may print nothing a test needs to pin (a script's regex
        # starts at the text: 'is a recording of x, not of').
        $l =~ s/^(?:$conv\s*)+//;
        $l =~ s/(?:\s*$conv)+$//;
        my $re = join('', map { /^$conv$/ ? ($_ eq '%%' ? '%' : '[^\n]*') : quotemeta($_) } split /($conv)/, $l);
        $pinned = 0 unless $exact =~ /$re/ || $scripts =~ /$re/;
    }
    push @missing, $m unless $pinned || $seen{$fmt}++;
}

my $status = 0;
if (@missing) {
    printf "%d messages appear in no expected output (tests/errors/README.md says how to add a case):\n",
        scalar @missing;
    for my $m (@missing) { (my $f = $m->[2]) =~ s/\n/\\n/g; print "  $m->[0]:$m->[1]: $f\n" }
    $status = 1;
}
my @stale = grep { !$allowed{$_} } sort keys %allowed;
if (@stale) {
    print "allowlist entries that match no message any more (remove them):\n";
    for my $s (@stale) { (my $f = $s) =~ s/\n/\\n/g; print "  $f\n" }
    $status = 1;
}
printf "%d messages, %d allowlisted, %d without a case\n", scalar @messages,
    scalar(grep { $_ } values %allowed), scalar @missing;
exit $status;

__DATA__
# FORMAT<TAB>why no case can show it
