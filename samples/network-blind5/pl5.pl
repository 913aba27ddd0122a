# pl5: make.sh's perl pieces (IO::Socket::SSL, libwww-perl).
#   perl pl5.pl server CERT KEY DIR    an HTTPS server on [::]:443 (IO::Socket::SSL, a child per connection): GET /NAME sends DIR/NAME, HTTP/1.0, then closes
#   perl pl5.pl get URL TIMEOUT        LWP::UserAgent GET, certificates not checked
#   perl pl5.pl post URL BYTES TIMEOUT LWP::UserAgent POST of BYTES bytes
use strict; use warnings;
my $m = shift;
if ($m eq "server") {
    require IO::Socket::SSL;
    my ($cert, $key, $dir) = @ARGV;
    my $l = IO::Socket::IP->new(LocalAddr => "::", LocalPort => 443, Listen => 10, ReuseAddr => 1, V6Only => 0)
        or die "listen: $!";
    $| = 1; print "perl server up\n";
    $SIG{CHLD} = "IGNORE";
    while (my $c = $l->accept) {
        if (fork) { close $c; next }          # a child per connection
        IO::Socket::SSL->start_SSL($c, SSL_server => 1, SSL_cert_file => $cert, SSL_key_file => $key, Timeout => 10)
            or exit 0;
        my $req = <$c> // ""; while (my $h = <$c>) { last if $h =~ /^\r?\n$/ }
        my ($p) = $req =~ m{^GET /(\S*)}; $p //= ""; $p =~ s/\.\.//g;
        my $body = "perl blind5 index\n";
        if (-f "$dir/$p" && open(my $f, "<", "$dir/$p")) { local $/; $body = <$f>; }
        print $c "HTTP/1.0 200 OK\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
        $c->close(SSL_fast_shutdown => 1);
        exit 0;
    }
} else {
    require LWP::UserAgent;
    my $ua = LWP::UserAgent->new(timeout => $ARGV[-1], ssl_opts => { verify_hostname => 0, SSL_verify_mode => 0 });
    my $r = $m eq "post" ? $ua->post($ARGV[0], Content => "y" x $ARGV[1]) : $ua->get($ARGV[0]);
    print $r->status_line, " ", length($r->content), " bytes\n";
    exit($r->is_success ? 0 : 1);
}
