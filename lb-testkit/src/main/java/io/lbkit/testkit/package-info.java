/** Test support: an in-process DNS server and whoami-style backends. Not API. */
package io.lbkit.testkit;
