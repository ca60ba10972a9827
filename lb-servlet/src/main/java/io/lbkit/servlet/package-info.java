/** The servlet filter: proxy and route-only modes, and the stats page. */
package io.lbkit.servlet;
