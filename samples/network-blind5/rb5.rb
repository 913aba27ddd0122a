# rb5: make.sh's ruby client (ruby net/http and openssl, certificates not checked).
#   ruby rb5.rb get URL TIMEOUT          GET, prints the status and the body's size
#   ruby rb5.rb post URL BYTES TIMEOUT   POST of BYTES bytes
#   ruby rb5.rb hello HOST PORT SNI TIMEOUT   a ClientHello offering ffdhe8192 first (a 1 KB key share)
#                                        and 20 long ALPN names (about 1.9 KB, two segments), then GET /
require "net/http"
require "openssl"
require "socket"
require "timeout"
mode = ARGV[0]
begin
  if mode == "hello"
    host, port, sni, t = ARGV[1], ARGV[2].to_i, ARGV[3], ARGV[4].to_f
    ctx = OpenSSL::SSL::SSLContext.new
    ctx.verify_mode = OpenSSL::SSL::VERIFY_NONE
    ctx.ecdh_curves = "ffdhe8192:X25519"
    ctx.alpn_protocols = (1..20).map { |i| format("x-blind5-%02d-%s", i, "r" * 30) } + ["http/1.1"]
    Timeout.timeout(t) do
      s = OpenSSL::SSL::SSLSocket.new(TCPSocket.new(host, port), ctx)
      s.hostname = sni
      s.connect
      s.write("GET / HTTP/1.0\r\nHost: #{sni}\r\n\r\n")
      puts s.read.size
    end
  else
    u = URI(ARGV[1])
    h = Net::HTTP.new(u.host, u.port)
    h.use_ssl = true
    h.verify_mode = OpenSSL::SSL::VERIFY_NONE
    t = (mode == "post" ? ARGV[3] : ARGV[2]).to_f
    h.open_timeout = h.read_timeout = h.write_timeout = t
    h.max_retries = 0
    r = mode == "post" ? h.post(u.path, "y" * ARGV[2].to_i) : h.get(u.path)
    puts "#{r.code} #{r.body.size} bytes"
  end
rescue Exception => e
  puts "error: #{e.class} #{e.message}"
  exit 1
end
