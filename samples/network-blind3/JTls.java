// JTls: make.sh's Java pieces (JDK only; run as `java JTls.java ...`).
//   java JTls.java get URL [TIMEOUT-MS]          HttpsURLConnection GET, certificate not checked
//   java JTls.java server P12 PASSWORD DIR       com.sun.net.httpserver.HttpsServer on :443 (both
//                                                families), serving files from DIR
import com.sun.net.httpserver.*;
import java.io.*;
import java.net.*;
import java.nio.file.*;
import java.security.*;
import java.security.cert.X509Certificate;
import javax.net.ssl.*;

public class JTls {
    public static void main(String[] a) throws Exception {
        if (a[0].equals("get")) {
            TrustManager[] all = { new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String t) {}
                public void checkServerTrusted(X509Certificate[] c, String t) {}
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; } } };
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, all, null);
            HttpsURLConnection c = (HttpsURLConnection) new URL(a[1]).openConnection();
            c.setSSLSocketFactory(ctx.getSocketFactory());
            c.setHostnameVerifier((h, s) -> true);
            int t = a.length > 2 ? Integer.parseInt(a[2]) : 5000;
            c.setConnectTimeout(t);
            c.setReadTimeout(t);
            try (InputStream in = c.getInputStream()) {
                System.out.println(c.getResponseCode() + " " + in.readAllBytes().length + " bytes");
            } catch (IOException e) {
                System.out.println("error: " + e);
                System.exit(1);
            }
        } else {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new FileInputStream(a[1]), a[2].toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, a[2].toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            HttpsServer s = HttpsServer.create(new InetSocketAddress(443), 50);
            s.setHttpsConfigurator(new HttpsConfigurator(ctx));
            Path dir = Paths.get(a[3]);
            s.createContext("/", x -> {
                Path f = dir.resolve(x.getRequestURI().getPath().substring(1)).normalize();
                if (x.getRequestMethod().equals("POST")) x.getRequestBody().readAllBytes();
                byte[] b = Files.isRegularFile(f) && f.startsWith(dir) ? Files.readAllBytes(f) : "not found\n".getBytes();
                x.sendResponseHeaders(Files.isRegularFile(f) ? 200 : 404, b.length);
                x.getResponseBody().write(b);
                x.close();
            });
            s.start();
            System.out.println("java https server on :443");
        }
    }
}
