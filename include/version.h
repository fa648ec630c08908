/* version.h - the one version string rasd, rasctl and rasd-snmp print
 * for --version and publish as build info. */
#ifndef RASD_VERSION_H
#define RASD_VERSION_H

#define RASD_VERSION "0.1.0"

#endif
