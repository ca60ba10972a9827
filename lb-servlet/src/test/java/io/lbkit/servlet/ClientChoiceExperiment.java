package io.lbkit.servlet;

import io.lbkit.testkit.WhoamiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;

/**
 * The experiment behind the choice of HTTP client for proxying (docs/architecture.md): the JDK
 * {@code HttpClient} against Jetty's, doing what the proxy does with a backend, against the same
 * whoami backend on 127.0.0.2. Not a test and not a benchmark to assert on: run it by hand,
 * {@code java -cp <test classpath> io.lbkit.servlet.ClientChoiceExperiment}.
 *
 * <p>Two workloads, alternated over several rounds, medians reported: 20,000 small GETs with 16
 * in flight (requests per second), and 512 MiB downloaded in one response, consumed chunk by
 * chunk without keeping it (MB/s).
 */
public final class ClientChoiceExperiment {
  private static final int REQUESTS = 20_000;
  private static final int IN_FLIGHT = 16;
  private static final long BIG = 512L << 20;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (WhoamiServer backend = WhoamiServer.start("whoami1", "127.0.0.2")) {
      HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      org.eclipse.jetty.client.HttpClient jetty = new org.eclipse.jetty.client.HttpClient();
      jetty.setMaxConnectionsPerDestination(64);
      jetty.start();
      String base = "http://" + backend.authority();
      double[][] results = new double[4][rounds];
      for (int r = 0; r < rounds; r++) {
        results[0][r] = smallJdk(jdk, base);
        results[1][r] = smallJetty(jetty, base);
        results[2][r] = bigJdk(jdk, base);
        results[3][r] = bigJetty(jetty, base);
        System.out.printf("round %d: small GET jdk %.0f req/s, jetty %.0f req/s; 512 MiB jdk %.0f MB/s, jetty %.0f MB/s%n",
            r + 1, results[0][r], results[1][r], results[2][r], results[3][r]);
      }
      System.out.printf("median: small GET jdk %.0f req/s, jetty %.0f req/s; 512 MiB jdk %.0f MB/s, jetty %.0f MB/s%n",
          median(results[0]), median(results[1]), median(results[2]), median(results[3]));
      jetty.stop();
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static double smallJdk(HttpClient client, String base) throws Exception {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    long start = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      slots.acquire();
      client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/x")).build(), HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete((resp, failure) -> slots.release());
    }
    slots.acquire(IN_FLIGHT);
    return REQUESTS / ((System.nanoTime() - start) / 1e9);
  }

  private static double smallJetty(org.eclipse.jetty.client.HttpClient client, String base) throws Exception {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    long start = System.nanoTime();
    for (int i = 0; i < REQUESTS; i++) {
      slots.acquire();
      client.newRequest(base + "/x").send(result -> slots.release());
    }
    slots.acquire(IN_FLIGHT);
    return REQUESTS / ((System.nanoTime() - start) / 1e9);
  }

  private static double bigJdk(HttpClient client, String base) throws Exception {
    long start = System.nanoTime();
    HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(URI.create(base + "/data?size=" + BIG)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    long total = 0;
    byte[] buf = new byte[32 * 1024];
    try (java.io.InputStream in = r.body()) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
      }
    }
    check(total);
    return BIG / 1e6 / ((System.nanoTime() - start) / 1e9);
  }

  private static double bigJetty(org.eclipse.jetty.client.HttpClient client, String base) throws Exception {
    long start = System.nanoTime();
    AtomicLong total = new AtomicLong();
    CompletableFuture<Void> done = new CompletableFuture<>();
    client.newRequest(base + "/data?size=" + BIG)
        .onResponseContentAsync((Response resp, Content.Chunk chunk, Runnable demand) -> {
          total.addAndGet(chunk.remaining());
          demand.run();
        })
        .send(result -> done.complete(null));
    done.get();
    check(total.get());
    return BIG / 1e6 / ((System.nanoTime() - start) / 1e9);
  }

  private static void check(long total) {
    if (total != BIG) {
      throw new IllegalStateException("got " + total + " bytes");
    }
  }
}
