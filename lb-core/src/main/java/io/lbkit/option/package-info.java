/**
 * Configuration options defined once: {@link io.lbkit.option.Option} (name, help, default, value
 * form and range, the setter it drives), grouped per component in an {@link io.lbkit.option.OptionSet}
 * that every builder's {@code set(key, value)} delegates to; {@link io.lbkit.option.OptionException}
 * carries the option's name, the value and what was expected, so each adapter names the option as
 * its user typed it.
 *
 * <p>Start reading at {@link io.lbkit.option.Option}; the definitions live next to the components
 * they configure ({@code io.lbkit.dns.DnsOptions}, {@code io.lbkit.health.HealthOptions}, ...).
 */
package io.lbkit.option;
