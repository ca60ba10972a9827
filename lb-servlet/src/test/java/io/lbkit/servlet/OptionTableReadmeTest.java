package io.lbkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.option.OptionDocs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the option table, rendered. */
class OptionTableReadmeTest {
  private static final String BEGIN = "<!-- options:begin -->\n";
  private static final String END = "<!-- options:end -->";

  @Test
  void readmeTableMatchesTheDefinitions() throws Exception {
    Path readme = Paths.get("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    assertThat(begin).as("README.md has the %s marker", BEGIN.trim()).isNotNegative();
    assertThat(end).as("README.md has the %s marker", END).isGreaterThan(begin);
    String actual = text.substring(begin + BEGIN.length(), end);
    String expected = OptionDocs.markdownTable(LoadBalancerConfig.optionTable());
    assertThat(actual).as("README.md's configuration reference differs from the option definitions;"
        + " replace the table between the markers with:%n%s", expected).isEqualTo(expected);
  }
}
