package io.lbkit.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A real Spring Boot application on 127.0.0.1 and an ephemeral port, and JDK HTTP clients to call it. */
final class SpringApp implements AutoCloseable {
  final ConfigurableApplicationContext context;
  /** A client without cookies: every request is a new visitor. */
  final HttpClient anonymous = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  SpringApp(ConfigurableApplicationContext context) {
    this.context = context;
  }

  /** Starts {@code configuration} with the properties (command-line arguments, so they win over any file). */
  static SpringApp start(Class<?> configuration, WebApplicationType type, Map<String, String> properties) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("server.address", "127.0.0.1");
    all.put("server.port", "0");
    all.put("spring.main.banner-mode", "off");
    all.putAll(properties);
    String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    return new SpringApp(new SpringApplicationBuilder(configuration).web(type).run(args));
  }

  int port() {
    return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  HttpResponse<String> get(HttpClient client, String path) throws IOException, InterruptedException {
    return send(client, HttpRequest.newBuilder(uri(path)));
  }

  HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws IOException, InterruptedException {
    return client.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The whoami {@code Hostname:} of a response body. */
  static String hostname(String body) {
    for (String line : body.split("\n")) {
      if (line.startsWith("Hostname: ")) {
        return line.substring("Hostname: ".length()).trim();
      }
    }
    return null;
  }

  /** The messages of {@code e} and its causes, outermost first. */
  static List<String> causeMessages(Throwable e) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.add(t.getMessage());
    }
    return messages;
  }

  @Override
  public void close() {
    context.close();
  }
}
