// JavaCli: java.net.http.HttpClient for the tlsdiag matrix (no key log: the JDK cannot write one).
// java JavaCli URL CA.pem PROTOCOLS(TLSv1.2,TLSv1.3) [CLIENT.p12] [N]
import javax.net.ssl.*;
import java.io.*;
import java.net.URI;
import java.net.http.*;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;

public class JavaCli {
    public static void main(String[] a) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        try (InputStream in = new FileInputStream(a[1])) {
            ts.setCertificateEntry("root", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        KeyManager[] km = null;
        if (a.length > 3 && !a[3].equals("-")) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(a[3])) { ks.load(in, "changeit".toCharArray()); }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, "changeit".toCharArray());
            km = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(km, tmf.getTrustManagers(), null);
        SSLParameters sp = ctx.getDefaultSSLParameters();
        sp.setProtocols(a[2].split(","));
        int n = a.length > 4 ? Integer.parseInt(a[4]) : 1;
        int rc = 0;
        for (int i = 0; i < n; i++) {
            HttpClient c = HttpClient.newBuilder().sslContext(ctx).sslParameters(sp)
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            try {
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(a[0]))
                    .timeout(Duration.ofSeconds(8)).build(),
                    HttpResponse.BodyHandlers.ofString());
                System.out.println("HTTPSTATUS " + r.statusCode());
                System.out.println(r.body());
            } catch (Exception e) {
                System.out.println("error: " + e);
                for (Throwable t = e.getCause(); t != null; t = t.getCause()) System.out.println("  cause: " + t);
                rc = 1;
            }
        }
        System.exit(rc);
    }
}
