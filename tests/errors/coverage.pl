#!/usr/bin/env perl
# SPDX-License-Identifier: Apache-2.0
# Every diagnostic has a case: the compiler's C sources (compiler/, searched recursively) in,
# the list of user-facing messages that no expected output pins out (exit 1 if any).
#
# A message is the format string of a call to diag_error, diag_warn, diag_hint (a hint is
# part of what the user reads), cli_usage or fprintf(stderr, ...) (adjacent literals joined,
# C escapes decoded, both formats of a `cond ? "a" : "b"`). A format without two letters in
# a row (" %d", "\n": a piece of a message printed in parts; "%s": text made elsewhere) is
# not a message.
#
# A message is pinned when every line of it with text, without the "ovstrace: " commands
# start with, matches somewhere in an expected output: each printf conversion a wildcard
# within the line, conversions at either end of the line left out. Expected outputs are the
# files the suite compares the program's real output with:
#   - tests/**/*.err: the error cases' exact stderr (tests/errors/README.md);
#   - tests/cli/*.sh and tests/e2e/*.sh, backslashes removed: their expect_out and check
#     lines grep the real output, so a regex pins a message when it holds the message's whole
#     fixed text ('is a recording of x, not of' pins "%s is a recording of %s, not of %s");
#     one that skips part of it with '.*' does not.
# Unit tests (tests/unit/*.c) and golden scripts do not count: the first check a leaf
# function's text, not what a user sees; the second hold no diagnostics.
#
# Messages no user can cause (BUG-class self-checks, unreachable guards) or no test can
# arrange are on the allowlist at the end of this file, one per line: the format as in the
# source (C escapes as written), a tab, the reason. An entry that matches no message any more
# fails the test too, so the list cannot rot.
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
my $calls = qr/\b(?:diag_error|diag_warn|diag_hint|cli_usage)\s*\(|\bfprintf\s*\(\s*stderr\s*,/;
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
        # The format argument: after (d, loc) for diag_error and diag_warn, after d for
        # diag_hint, after cmd for cli_usage. Each run of adjacent literals in it is a format
        # (two for `cond ? "a" : "b"`); PRIu64 and friends between literals are conversions.
        my $skip = $call =~ /^diag_hint/ ? 1 : $call =~ /^diag/ ? 2 : $call =~ /^cli/ ? 1 : 0;
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
$scripts =~ tr/\\//d;    # regex escapes out: \( is (

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
    printf "%d message%s in no expected output (tests/errors/README.md says how to add a case):\n",
        scalar @missing, @missing == 1 ? " appears" : "s appear";
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
ovstrace: internal error: '%s' is not a %c name\n	BUG: btexpr.c's callers pass variable names lowering made itself
ovstrace: internal error: %s\n	BUG: btir.c's own consistency checks on the program it builds
catalog entry without a type	BUG: a self-check of the embedded catalog (templates/), which every test loads
probes.yaml: expected a 'probes' list	BUG: a self-check of the embedded catalog
malformed probe spec	BUG: a self-check of the embedded catalog
structs.yaml: expected a 'structs' mapping	BUG: a self-check of the embedded catalog
struct field needs name and type	BUG: a self-check of the embedded catalog
structs.yaml gives no offsets: they come from templates/layouts/	BUG: a self-check of the embedded catalog
expected an 'enums' mapping	BUG: a self-check of the embedded catalog
enum value needs value and name	BUG: a self-check of the embedded catalog
no bundled struct layouts of Open vSwitch %s	BUG: the default release's bundle is embedded in the binary
%s: no size and fields for struct %s: regenerate it (docs/layouts.md)	BUG: a self-check of the embedded layout bundles (templates/layouts/)
%s: no offset for %s.%s: regenerate it (docs/layouts.md)	BUG: a self-check of the embedded layout bundles
%s: expected release: "%s" and a structs mapping	BUG: a self-check of the embedded layout bundles
no layout for struct %s in the catalog	BUG: every struct a catalog probe names has a layout in templates/structs.yaml
no values known for enum %s	BUG: every enum the catalog names is in templates/enums.yaml (syscall's come from syscalls.yaml)
watch list '%s' is defined twice	unreachable: watch lists are a YAML mapping, whose duplicate keys the loader refuses first (malformed/dup_*)
span '%s' is defined twice	unreachable: spans are a YAML mapping, whose duplicate keys the loader refuses first (malformed/dup_*)
unexpected option	unreachable: getopt_long returns only the options compile_args_parse lists, or '?'
cannot start the expression lexer	BUG: flex's scanner set-up fails only when memory is exhausted
cannot parse expression	BUG: the grammar reports each syntax error itself (ctx.errors); this is the fallback if it did not
unexpected YAML structure	BUG: libyaml gives yamltree.c only the node events handled before this default
stack %s %d vars %d temp %d peak %d piled %d\n	not a diagnostic: OVSTRACE_STACK_DEBUG's measurements for tests/limits (its README)
cannot run %s: %s\n	run_capture's child writes it into the pipe its caller reads; codegen_check turns exit status 127 into 'PATH is not installed' and bt_version_of into 'could not ask', so no user sees this text
ovstrace: no recipes found (set OVSTRACE_PATH to a directory of .recipe files)\n	needs an ovstrace without bundled recipes: a built binary always finds the source tree's recipes/ (recipe_path.c)
ovstrace: warning: tracefs is not mounted and could not be (%s)\n	needs a host where tracefs is not mounted and cannot be (no CAP_SYS_ADMIN); the suite runs run as root, with tracefs mounted or mountable
ovstrace: fork: %s\n	needs fork() to fail (the process limit reached), which a test cannot arrange without starving the other tests
