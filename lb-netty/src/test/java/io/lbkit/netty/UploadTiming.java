package io.lbkit.netty;

import io.lbkit.config.BackendConfig;
import io.lbkit.core.Balancer;
import io.lbkit.testkit.WhoamiServer;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * A developer's timing of uploads (not a test; performance is never asserted in tests): 64 MiB
 * POSTed to a whoami {@code /sink} directly and through the engine, interleaved rounds, median
 * and spread. Run from lb-netty after {@code test-compile}:
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) io.lbkit.netty.UploadTiming [MiB] [rounds]}.
 */
public final class UploadTiming {
  private UploadTiming() {
  }

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    long size = (long) mib << 20;
    try (WhoamiServer backend = WhoamiServer.start("sink", "127.0.0.2")) {
      backend.keepRequests(false);
      Balancer balancer = BackendConfig.parse(Map.of("backend", backend.authority())).createBalancer();
      try (NettyProxy proxy = NettyProxy.builder().listen(new InetSocketAddress("127.0.0.1", 0)).balancer(balancer)
          .start()) {
        InetSocketAddress direct = new InetSocketAddress(backend.address(), backend.port());
        InetSocketAddress via = new InetSocketAddress("127.0.0.1", proxy.port());
        upload(direct, size); // warm-up
        upload(via, size);
        double[] d = new double[rounds];
        double[] p = new double[rounds];
        long cpu = 0;
        for (int i = 0; i < rounds; i++) {
          d[i] = upload(direct, size);
          long c0 = engineCpuNanos();
          p[i] = upload(via, size);
          cpu += engineCpuNanos() - c0;
        }
        Arrays.sort(d);
        Arrays.sort(p);
        System.out.printf("%d MiB upload, %d rounds (ms): direct median %.0f [%.0f..%.0f], engine median %.0f [%.0f..%.0f],"
            + " ratio %.2f%n", mib, rounds, d[rounds / 2], d[0], d[rounds - 1], p[rounds / 2], p[0], p[rounds - 1],
            p[rounds / 2] / d[rounds / 2]);
        System.out.printf("engine threads' CPU per %d MiB: %.1f ms (%.2f ns per byte)%n", mib,
            cpu / 1e6 / rounds, (double) cpu / rounds / size);
      } finally {
        balancer.group().close();
      }
    }
  }

  /** CPU time of the engine's event loop threads so far (load-independent, unlike the wall time). */
  private static long engineCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("lb-netty")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** One POST of {@code size} bytes on a new connection; the milliseconds until the answer's head. */
  private static double upload(InetSocketAddress to, long size) throws Exception {
    byte[] block = new byte[64 * 1024];
    long t0 = System.nanoTime();
    try (Socket s = new Socket(to.getAddress(), to.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      for (long left = size; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = new byte[12];
      int n = in.readNBytes(head, 0, head.length);
      if (n < head.length || !new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200")) {
        throw new IllegalStateException("answer: " + new String(head, 0, n, StandardCharsets.ISO_8859_1));
      }
    }
    return (System.nanoTime() - t0) / 1e6;
  }
}
