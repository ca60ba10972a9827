package io.lbkit.benchmarks.ws;

import io.lbkit.testkit.RawWebSocket;
import io.lbkit.testkit.WhoamiServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The processes of {@code ws-bench.sh} and {@code ws-many.sh}: WebSocket echo backends (lb-testkit's
 * {@link WhoamiServer}) and raw-socket WebSocket clients ({@link RawWebSocket}).
 *
 * <pre>
 * backends PORT ADDRESS...          echo backends on ADDRESS:PORT, until killed
 * latency HOST:PORT CONNS MSGS SIZE CONNS sockets in parallel, MSGS echo round trips of SIZE bytes each;
 *                                   prints "p50_us p99_us msgs_per_s errors"
 * many HOST:PORT N                  opens N sockets one after the other, one echo on each, prints
 *                                   "open N" and keeps them open until stdin closes
 * </pre>
 * Handshakes are a browser's: no {@code Content-Length}.
 */
public final class WsBench {
  private WsBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: backends PORT ADDRESS... | latency HOST:PORT CONNS MSGS SIZE | many HOST:PORT N");
    }
    switch (args[0]) {
      case "backends" -> backends(Integer.parseInt(args[1]), Arrays.copyOfRange(args, 2, args.length));
      case "latency" -> latency(address(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Integer.parseInt(args[4]));
      case "many" -> many(address(args[1]), Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static RawWebSocket open(InetSocketAddress at) throws IOException {
    return RawWebSocket.open(at, "/ws", 30_000);
  }

  private static void backends(int port, String[] addresses) throws Exception {
    List<WhoamiServer> servers = new ArrayList<>();
    for (int i = 0; i < addresses.length; i++) {
      servers.add(WhoamiServer.start("whoami" + (i + 1), addresses[i], port));
    }
    System.out.println("backends " + servers.stream().map(WhoamiServer::authority).toList());
    new CountDownLatch(1).await(); // until killed
  }

  private static void latency(InetSocketAddress at, int conns, int msgs, int size) throws Exception {
    byte[] payload = new byte[size];
    Arrays.fill(payload, (byte) 'x');
    long[][] nanos = new long[conns][msgs];
    ExecutorService pool = Executors.newFixedThreadPool(conns);
    List<Future<Integer>> done = new ArrayList<>();
    long start = System.nanoTime();
    for (int c = 0; c < conns; c++) {
      long[] mine = nanos[c];
      done.add(pool.submit(() -> {
        int errors = 0;
        try (RawWebSocket ws = open(at)) {
          for (int m = 0; m < msgs; m++) {
            long t0 = System.nanoTime();
            ws.send(0x2, payload);
            byte[] back = ws.receive();
            mine[m] = System.nanoTime() - t0;
            if (back.length != size) {
              errors++;
            }
          }
        } catch (IOException e) {
          errors = msgs;
        }
        return errors;
      }));
    }
    int errors = 0;
    for (Future<Integer> f : done) {
      errors += f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    long[] all = Arrays.stream(nanos).flatMapToLong(Arrays::stream).filter(n -> n > 0).sorted().toArray();
    if (all.length == 0) {
      System.out.println("0 0 0 " + errors);
      return;
    }
    System.out.printf(Locale.ROOT, "%.0f %.0f %.0f %d%n", all[all.length / 2] / 1e3,
        all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e3, all.length / seconds, errors);
  }

  private static void many(InetSocketAddress at, int n) throws Exception {
    List<RawWebSocket> open = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        RawWebSocket ws = open(at);
        open.add(ws);
        if (!ws.ask("m" + i).equals("m" + i)) {
          throw new IOException("socket " + i + ": wrong echo");
        }
      }
      System.out.println("open " + open.size());
      System.out.flush();
      while (System.in.read() >= 0) {
        // keep the sockets open until the script closes our stdin
      }
    } finally {
      for (RawWebSocket ws : open) {
        ws.close();
      }
    }
  }
}
