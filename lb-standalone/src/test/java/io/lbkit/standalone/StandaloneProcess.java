package io.lbkit.standalone;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runnable jar started as a user would ({@code java -jar target/lb-standalone.jar ...}), in a
 * process of its own. Standard output and error go to files under {@code target/it-logs} (read
 * while it runs, kept for a failed build's post-mortem).
 */
final class StandaloneProcess implements AutoCloseable {
  /** Process start-up on a loaded CI machine can take seconds; nothing here waits this long when all is well. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LISTENING = Pattern.compile("lbkit listening on (http://\\S+)");

  private final Process process;
  private final Path out;
  private final Path err;
  private URI uri;

  private StandaloneProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts the jar with {@code args}; {@code name} names the log files. */
  static StandaloneProcess start(String name, String... args) throws IOException {
    return startWithHeap(name, "256m", args);
  }

  /** Starts the jar on {@code engine} ({@code --engine}) with {@code args}; the log files are named after both. */
  static StandaloneProcess start(String name, Engine engine, String... args) throws IOException {
    return startWithHeap(name, engine, "256m", args);
  }

  /** Starts the jar on {@code engine} with {@code args} in a JVM with this maximum heap ({@code 128m}). */
  static StandaloneProcess startWithHeap(String name, Engine engine, String maxHeap, String... args)
      throws IOException {
    List<String> all = new ArrayList<>(List.of("--engine", engine.flag()));
    all.addAll(List.of(args));
    return startWithHeap(name + "-" + engine.flag(), maxHeap, all.toArray(new String[0]));
  }

  /** Starts the jar with {@code args} in a JVM with this maximum heap ({@code 128m}). */
  static StandaloneProcess startWithHeap(String name, String maxHeap, String... args) throws IOException {
    String jar = System.getProperty("lbkit.standalone.jar");
    if (jar == null || !Files.isRegularFile(Paths.get(jar))) {
      throw new IllegalStateException("lbkit.standalone.jar: '" + jar + "' (expected: the shaded jar; run mvn verify)");
    }
    Path logs = Paths.get(jar).getParent().resolve("it-logs");
    Files.createDirectories(logs);
    Path out = logs.resolve(name + ".out.txt");
    Path err = logs.resolve(name + ".err.txt");
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-XX:TieredStopAtLevel=1"); // a short-lived process: start fast
    command.add("-jar");
    command.add(jar);
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    return new StandaloneProcess(pb.start(), out, err);
  }

  /** Waits for the "lbkit listening on URL" line; fails with the process's output if it exits or stalls. */
  StandaloneProcess awaitListening() throws Exception {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() - deadline < 0) {
      Matcher m = LISTENING.matcher(stdout());
      if (m.find()) {
        uri = URI.create(m.group(1));
        return this;
      }
      if (!process.isAlive()) {
        throw new AssertionError("exited with " + process.exitValue() + " before listening:\n" + stdout() + stderr());
      }
      process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new AssertionError("not listening after " + START_TIMEOUT + ":\n" + stdout() + stderr());
  }

  URI uri(String pathAndQuery) {
    return uri.resolve(pathAndQuery);
  }

  String stdout() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  String stderr() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  /** SIGTERM (what {@code kill} and a container stop send). */
  void terminate() {
    process.destroy();
  }

  /** SIGKILL: the process dies at once, without running any shutdown hook (a crash). */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** The exit status, waiting up to {@code timeout}; fails if it is still running. */
  int awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + ":\n" + stderr());
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A port free on 127.0.0.2 right now, for {@code --demo-port} (the replicas' port). */
  static int freeDemoPort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
      return s.getLocalPort();
    }
  }

  // ---- HTTP helpers ----

  static HttpResponse<String> get(HttpClient client, URI uri, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
    headers.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient client, URI uri) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The {@code Hostname:} line of a whoami answer. */
  static String hostname(String body) {
    for (String line : body.split("\n")) {
      if (line.startsWith("Hostname: ")) {
        return line.substring("Hostname: ".length()).trim();
      }
    }
    throw new AssertionError("no Hostname line in:\n" + body);
  }
}
