/** IANA protocol numbers: IPv4's protocol field and IPv6's next header share one registry. */
export enum IpProtocol {
  HOPOPT = 0,
  ICMP = 1,
  IGMP = 2,
  TCP = 6,
  UDP = 17,
  IPV6_ROUTE = 43,
  IPV6_FRAG = 44,
  GRE = 47,
  ESP = 50,
  AH = 51,
  ICMPV6 = 58,
  IPV6_NONXT = 59,
  IPV6_OPTS = 60,
  SCTP = 132,
}
