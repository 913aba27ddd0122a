// JavaSrv: com.sun.net.httpserver.HttpsServer for the tlsdiag matrix.
// java JavaSrv KEYSTORE.p12 PROTOCOLS(TLSv1.2,TLSv1.3) AUTH(none|optional|require) CA.pem
import com.sun.net.httpserver.*;
import javax.net.ssl.*;
import java.io.*;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.*;

public class JavaSrv {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(a[0])) { ks.load(in, "changeit".toCharArray()); }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, "changeit".toCharArray());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = new FileInputStream(a[3])) {
            ts.setCertificateEntry("root", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        final String[] protos = a[1].split(",");
        final String auth = a[2];
        HttpsServer s = HttpsServer.create(new InetSocketAddress(443), 8);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            public void configure(HttpsParameters p) {
                SSLParameters sp = getSSLContext().getDefaultSSLParameters();
                sp.setProtocols(protos);
                if (auth.equals("require")) sp.setNeedClientAuth(true);
                if (auth.equals("optional")) sp.setWantClientAuth(true);
                p.setSSLParameters(sp);
            }
        });
        s.createContext("/", ex -> {
            byte[] b = "mx-hello java\n".getBytes();
            ex.getResponseHeaders().set("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) { o.write(b); }
        });
        s.start();
    }
}
