/** The runnable load balancer and the demo. */
package io.lbkit.standalone;
