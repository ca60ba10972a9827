package io.lbkit.netty;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.testkit.WhoamiServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A developer tool, not a test: bytes allocated by the engine's event loop per proxied request,
 * over real sockets (3 whoami backends, one keep-alive client sending {@code GET /data?size=64}).
 * Allocation per request does not depend on load, so this is a stable figure on a busy machine; the
 * loop's CPU time per request (user / sys, from the kernel's per-thread counters) is printed too,
 * for one connection sending its requests one after another (no batching: more system calls per
 * request than under wrk's 32 connections).
 * Run with the test class path: {@code java -cp ... io.lbkit.netty.AllocationProbe [requests [modes]]};
 * prints one line per mode: sticky cookie {@code off}, on without a cookie from the client
 * ({@code sticky-new}: a {@code Set-Cookie} on every answer, as wrk sees it) and on with the
 * client's cookie ({@code sticky-returning}); all three unless a comma-separated list is given;
 * {@code browser} (sticky cookie off) sends the dozen header lines a browser sends.
 */
public final class AllocationProbe {
  private AllocationProbe() {
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    List<WhoamiServer> backends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      backends.add(WhoamiServer.start("whoami" + (i + 1), "127.0.0." + (i + 2)));
    }
    try {
      List<String> modes = args.length > 1 ? List.of(args[1].split(",")) : List.of("off", "sticky-new", "sticky-returning");
      for (String mode : modes) {
        Map<String, String> params = new LinkedHashMap<>();
        StringBuilder list = new StringBuilder();
        for (WhoamiServer b : backends) {
          list.append(list.length() == 0 ? "" : ",").append(b.authority());
        }
        params.put("backend", list.toString());
        if (!mode.equals("off")) {
          params.put("cookie", "SRVID");
          params.put("cookie-key", "probe-key");
        }
        Balancer balancer = BackendConfig.parse(params).createBalancer();
        NettyProxy proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(balancer)
            .options(NettyProxyOptions.parse(params)).threads(1).shutdownTimeout(Duration.ofSeconds(5)).start();
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
          s.setTcpNoDelay(true);
          OutputStream out = s.getOutputStream();
          InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
          String cookie = mode.equals("sticky-returning") ? "" : null;
          byte[] req = mode.equals("browser") ? browserRequest(proxy.port()) : request(proxy.port(), null);
          if (cookie != null) {
            out.write(req);
            out.flush();
            String setCookie = readResponse(in);
            cookie = setCookie.substring(0, setCookie.indexOf(';'));
            req = request(proxy.port(), cookie);
          }
          run(out, in, req, n / 2); // warm-up
          long[] t0 = loops();
          run(out, in, req, n);
          long[] t1 = loops();
          double user = (t1[2] - t0[2]) / 1e3 / n;
          double cpu = (t1[1] - t0[1]) / 1e3 / n;
          System.out.printf(Locale.ROOT, "%-17s %,d requests: %,.0f bytes allocated and %.1f µs CPU (%.1f user / %.1f sys)"
              + " per request on the event loop%n", mode, n, (double) (t1[0] - t0[0]) / n, cpu, user, cpu - user);
        } finally {
          proxy.close();
          balancer.group().close();
        }
      }
    } finally {
      for (WhoamiServer b : backends) {
        b.close();
      }
    }
  }

  /** What a browser sends for a page of the app behind: a dozen header lines. */
  private static byte[] browserRequest(int port) {
    return ("GET /data?size=64 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: keep-alive\r\n"
        + "sec-ch-ua: \"Chromium\";v=\"142\", \"Not_A Brand\";v=\"99\"\r\nsec-ch-ua-mobile: ?0\r\n"
        + "sec-ch-ua-platform: \"Linux\"\r\nUpgrade-Insecure-Requests: 1\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\r\n"
        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
        + "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n"
        + "Referer: http://127.0.0.1:" + port + "/\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
        + "Accept-Language: en-US,en;q=0.9\r\nCookie: JSESSIONID=0123456789ABCDEF0123456789ABCDEF\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] request(int port, String cookie) {
    return ("GET /data?size=64 HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: probe\r\nAccept: */*\r\n"
        + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void run(OutputStream out, InputStream in, byte[] req, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      out.write(req);
      out.flush();
      readResponse(in);
    }
  }

  /** Reads one Content-Length response; returns its Set-Cookie value or "". */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    long length = -1;
    String setCookie = "";
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed");
      }
      if (c != '\n') {
        if (c != '\r') {
          line.append((char) c);
        }
        continue;
      }
      if (line.length() == 0) {
        break;
      }
      String l = line.toString();
      String lower = l.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(l.substring(15).trim());
      } else if (lower.startsWith("set-cookie:")) {
        setCookie = l.substring(11).trim();
      }
      line.setLength(0);
    }
    if (length < 0) {
      throw new IOException("no Content-Length");
    }
    for (long i = 0; i < length; i++) {
      if (in.read() < 0) {
        throw new IOException("closed in the body");
      }
    }
    return setCookie;
  }

  /** The event-loop threads' allocated bytes, CPU and user-mode CPU nanoseconds (the kernel's per-thread counters). */
  private static long[] loops() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] sum = new long[3];
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("lb-netty")) {
        sum[0] += mx.getThreadAllocatedBytes(t.getId());
        sum[1] += mx.getThreadCpuTime(t.getId());
        sum[2] += mx.getThreadUserTime(t.getId());
      }
    }
    return sum;
  }
}
