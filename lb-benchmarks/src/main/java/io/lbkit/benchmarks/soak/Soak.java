package io.lbkit.benchmarks.soak;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The soak harness's driver ({@code lb-benchmarks/soak.sh} starts the standalone jar in demo mode
 * and runs this): constant load from the JDK's HTTP client ({@code --connections} loops, half of
 * them with a cookie jar so they stick) for {@code --minutes}, while the demo's replicas are scaled
 * between 1 and 5 every few seconds and, in every 40-second cycle, one replica is killed (and
 * revived 10 s later), one stalls for 6 s and the nameserver is silent for 12 s. Prints requests,
 * failures by cause and by the drills going on when they happened, and the balancer process's heap
 * after a full GC, thread count and open file descriptors at the start and the end. Exit status: 0
 * when no request failed, 3 when some did, 1 for a set-up problem (printed on one line).
 */
public final class Soak {
  private static final Pattern REPLICA = Pattern.compile("\"name\":\"whoami-(\\d+)\"");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final int CYCLE_SECONDS = 40;

  private final URI base;
  private final long pid;
  private final Duration duration;
  private final int connections;
  private final Random random;
  private final HttpClient control = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final LongAdder ok = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failuresDuring = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> firstFailures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger failureLines = new AtomicInteger();
  private final Set<String> drills = ConcurrentHashMap.newKeySet();
  private volatile boolean stop;
  private final List<String> timeline = new ArrayList<>();
  private long start;

  private Soak(URI base, long pid, Duration duration, int connections, long seed) {
    this.base = base;
    this.pid = pid;
    this.duration = duration;
    this.connections = connections;
    this.random = new Random(seed);
  }

  /** {@code --url http://127.0.0.1:PORT --pid PID [--minutes 10] [--connections 16] [--seed 42]}. */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new TreeMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    if (!a.containsKey("--url") || !a.containsKey("--pid")) {
      fail("usage: Soak --url http://127.0.0.1:PORT --pid PID [--minutes 10] [--connections 16] [--seed 42]");
    }
    double minutes = Double.parseDouble(a.getOrDefault("--minutes", "10"));
    Soak soak = new Soak(URI.create(a.get("--url")), Long.parseLong(a.get("--pid")),
        Duration.ofMillis((long) (minutes * 60_000)), Integer.parseInt(a.getOrDefault("--connections", "16")),
        Long.parseLong(a.getOrDefault("--seed", "42")));
    System.exit(soak.run());
  }

  private int run() throws Exception {
    checkSetUp();
    System.out.printf(Locale.ROOT, "soak: %s for %.1f min, %d connections (%d with a cookie jar), balancer pid %d%n",
        base, duration.toMillis() / 60_000.0, connections, connections / 2, pid);
    start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
      if (i % 2 == 1) {
        b.cookieHandler(new CookieManager());
      }
      HttpClient client = b.build();
      Thread t = new Thread(() -> load(client), "soak-load-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
    sleepUntil(start + TimeUnit.SECONDS.toNanos(5)); // pools and connections settle before the first measurement
    Metrics before = metrics();
    event("measured the balancer: " + before);
    chaos(System.nanoTime() + duration.toNanos());
    stop = true;
    for (Thread t : workers) {
      t.join(REQUEST_TIMEOUT.toMillis() + 5000);
    }
    event("load stopped; back to 3 replicas, DNS answering");
    post("/demo/dns?silent=false");
    post("/demo/scale?replicas=3");
    Thread.sleep(3000);
    Metrics after = metrics();
    report(before, after);
    return failures.isEmpty() ? 0 : 3;
  }

  /** Fails loudly (exit 1, one line) when the balancer, its demo drills, /proc or jcmd are not there. */
  private void checkSetUp() throws Exception {
    String scale = get("/demo/scale?format=json");
    if (!scale.contains("\"replicas\"")) {
      fail("GET /demo/scale?format=json: unexpected answer (is this the jar with --demo?): " + scale);
    }
    String dns = post("/demo/dns?silent=false");
    if (!dns.startsWith("DNS ")) {
      fail("POST /demo/dns: unexpected answer (a jar without the demo drills? rebuild it): " + dns);
    }
    if (!Files.isDirectory(Paths.get("/proc/" + pid + "/fd"))) {
      fail("/proc/" + pid + "/fd: not readable (expected: the balancer's pid on Linux)");
    }
    jcmd("VM.version");
  }

  private void load(HttpClient client) {
    HttpRequest request = HttpRequest.newBuilder(base.resolve("/")).timeout(REQUEST_TIMEOUT).GET().build();
    while (!stop) {
      String cause;
      try {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().startsWith("Hostname: whoami-")) {
          ok.increment();
          continue;
        }
        cause = r.statusCode() == 200 ? "200 without a whoami body" : "HTTP " + r.statusCode();
      } catch (IOException e) {
        cause = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        return;
      }
      failed(cause);
    }
  }

  private void failed(String cause) {
    failures.computeIfAbsent(cause, k -> new LongAdder()).increment();
    String during = drills.isEmpty() ? "scaling only" : String.join(" + ", new TreeSet<>(drills));
    failuresDuring.computeIfAbsent(during, k -> new LongAdder()).increment();
    if (failureLines.incrementAndGet() <= 20) {
      firstFailures.add(String.format(Locale.ROOT, "  %+7.1fs  %s  (during: %s)", seconds(), cause, during));
    }
  }

  /** Scales every 3 s between 1 and 5; kills, stalls and silences DNS on a 40-second cycle. */
  private void chaos(long end) throws Exception {
    long cycleStart = System.nanoTime();
    String killed = null;
    String stalled = null;
    int scales = 0;
    for (int second = 0; System.nanoTime() - end < 0; second++) {
      sleepUntil(cycleStart + TimeUnit.SECONDS.toNanos(second));
      int inCycle = second % CYCLE_SECONDS;
      if (second % 3 == 0) {
        int n = 1 + random.nextInt(5);
        post("/demo/scale?replicas=" + n);
        scales++;
        event("scale to " + n);
      }
      if (inCycle == 2) {
        killed = drill("kill");
      } else if (inCycle == 12 && killed != null) {
        revive(killed, "kill");
        killed = null;
      } else if (inCycle == 16) {
        stalled = drill("stall");
      } else if (inCycle == 22 && stalled != null) {
        revive(stalled, "stall");
        stalled = null;
      } else if (inCycle == 26) {
        post("/demo/dns?silent=true");
        drills.add("dns silent");
        event("nameserver silent");
      } else if (inCycle == 38) {
        post("/demo/dns?silent=false");
        drills.remove("dns silent");
        event("nameserver answers again");
      }
    }
    if (killed != null) {
      revive(killed, "kill");
    }
    if (stalled != null) {
      revive(stalled, "stall");
    }
    drills.remove("dns silent");
    event(scales + " scale requests");
  }

  /** Kills or stalls the highest-numbered replica above whoami-1 (scaling up to 3 first if needed). */
  private String drill(String action) throws Exception {
    int highest = highestReplica();
    if (highest < 2) {
      post("/demo/scale?replicas=3");
      event("scale to 3 (for the " + action + ")");
      highest = 3;
    }
    String name = "whoami-" + highest;
    post("/demo/replica?name=" + name + "&action=" + action);
    drills.add(action + " " + name);
    event(action + " " + name);
    return name;
  }

  private void revive(String name, String action) throws Exception {
    String answer = postAllowing400("/demo/replica?name=" + name + "&action=revive");
    drills.remove(action + " " + name);
    event(answer.startsWith(name) ? "revive " + name : name + " already scaled away");
  }

  private int highestReplica() throws Exception {
    Matcher m = REPLICA.matcher(get("/demo/scale?format=json"));
    int highest = 0;
    while (m.find()) {
      highest = Math.max(highest, Integer.parseInt(m.group(1)));
    }
    return highest;
  }

  private void report(Metrics before, Metrics after) {
    long failed = failures.values().stream().mapToLong(LongAdder::sum).sum();
    long total = ok.sum() + failed;
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.println();
    System.out.println("timeline (seconds from the start of the load):");
    synchronized (timeline) {
      timeline.forEach(System.out::println);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "requests: %,d in %.0f s (%,.0f/s), ok %,d, failed %,d%n", total, secs,
        total / secs, ok.sum(), failed);
    if (failed > 0) {
      System.out.println("failures by cause:");
      new TreeMap<>(failures).forEach((k, v) -> System.out.printf(Locale.ROOT, "  %,8d  %s%n", v.sum(), k));
      System.out.println("failures by what was going on:");
      new TreeMap<>(failuresDuring).forEach((k, v) -> System.out.printf(Locale.ROOT, "  %,8d  %s%n", v.sum(), k));
      System.out.println("first failures:");
      firstFailures.forEach(System.out::println);
    }
    System.out.println();
    System.out.println("balancer process          start        end");
    System.out.printf(Locale.ROOT, "  heap after GC (KiB)  %9d  %9d%n", before.heapKib, after.heapKib);
    System.out.printf(Locale.ROOT, "  threads              %9d  %9d%n", before.threads, after.threads);
    System.out.printf(Locale.ROOT, "  open fds             %9d  %9d%n", before.fds, after.fds);
    System.out.println(failed == 0 ? "RESULT: 0 failed requests" : "RESULT: " + failed + " failed requests");
  }

  // ---- the balancer process ----

  private record Metrics(long heapKib, long threads, long fds) {
    @Override
    public String toString() {
      return "heap after GC " + heapKib + " KiB, " + threads + " threads, " + fds + " open fds";
    }
  }

  private Metrics metrics() throws Exception {
    jcmd("GC.run");
    Matcher used = Pattern.compile("used (\\d+)K").matcher(jcmd("GC.heap_info"));
    if (!used.find()) {
      fail("jcmd " + pid + " GC.heap_info: no 'used NK' in its answer");
    }
    long threads = -1;
    for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
      if (line.startsWith("Threads:")) {
        threads = Long.parseLong(line.substring("Threads:".length()).trim());
      }
    }
    long fds;
    try (Stream<Path> s = Files.list(Paths.get("/proc/" + pid + "/fd"))) {
      fds = s.count();
    }
    return new Metrics(Long.parseLong(used.group(1)), threads, fds);
  }

  private String jcmd(String command) throws Exception {
    String jcmd = System.getenv().getOrDefault("JCMD", "jcmd");
    Process p;
    try {
      p = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
    } catch (IOException e) {
      fail(jcmd + ": cannot run (" + e.getMessage() + "; a full JDK has it, or set JCMD)");
      return "";
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail(jcmd + " " + pid + " " + command + " failed: " + out.trim());
    }
    return out;
  }

  // ---- HTTP control ----

  private String get(String path) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(), false);
  }

  private String post(String path) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), false);
  }

  private String postAllowing400(String path) throws Exception {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), true);
  }

  private String send(HttpRequest request, boolean allow400) throws Exception {
    HttpResponse<String> r;
    try {
      r = control.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      fail(request.method() + " " + request.uri() + ": " + e + " (is the balancer running?)");
      return "";
    }
    if (r.statusCode() != 200 && !(allow400 && r.statusCode() == 400)) {
      fail(request.method() + " " + request.uri() + ": HTTP " + r.statusCode() + " " + r.body().trim());
    }
    return r.body();
  }

  // ---- helpers ----

  private void event(String what) {
    String line = String.format(Locale.ROOT, "  %+7.1fs  %s", seconds(), what);
    synchronized (timeline) {
      timeline.add(line);
    }
  }

  private double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
  }

  private static void fail(String message) {
    System.err.println("soak: " + message);
    System.exit(1);
  }
}
