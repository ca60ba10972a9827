/** JMH benchmarks of lbkit's hot paths beside its peers. */
package io.lbkit.benchmarks;
