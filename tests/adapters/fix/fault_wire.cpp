// The fault-injecting wire of the QuickFIX test peer (fault_wire.h): one
// thread, poll() over the listening socket and the current pair of
// connections.  Bytes are cut into messages from the BeginString/BodyLength
// prefix so that every fault lands on a message boundary or on one whole
// message; anything that does not frame (never expected from either peer) is
// passed through as it is.
#include "fault_wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

const char kSoh = '\x01';

// Length of the whole message at the start of buf, 0 when more bytes are
// needed, -1 when buf does not start with a FIX.4.4 message.
long frame(const std::string &buf)
{
	static const std::string prefix = std::string("8=FIX.4.4") + kSoh + "9=";
	size_t n = std::min(buf.size(), prefix.size()), i;
	long body = 0;

	if (buf.compare(0, n, prefix, 0, n) != 0)
		return -1;
	for (i = prefix.size(); i < buf.size() && buf[i] != kSoh; i++) {
		if (buf[i] < '0' || buf[i] > '9' || i - prefix.size() > 6)
			return -1;
		body = body * 10 + (buf[i] - '0');
	}
	if (i >= buf.size())
		return 0;
	size_t total = i + 1 + (size_t)body + 7; // "10=ddd" SOH
	return buf.size() >= total ? (long)total : 0;
}

// MsgType of a framed message: the value of the field after BodyLength.
std::string msg_type(const std::string &msg)
{
	size_t p = msg.find(std::string(1, kSoh) + "35=");
	if (p == std::string::npos)
		return "";
	size_t e = msg.find(kSoh, p + 4);
	return e == std::string::npos ? "" : msg.substr(p + 4, e - p - 4);
}

unsigned checksum(const std::string &s)
{
	unsigned sum = 0;
	for (unsigned char c : s)
		sum += c;
	return sum & 0xffu;
}

// Rebuilds BeginString, BodyLength and CheckSum around body (from 35= to the
// SOH before 10=).
std::string wrap(const std::string &body)
{
	std::string m = std::string("8=FIX.4.4") + kSoh + "9=" + std::to_string(body.size()) + kSoh + body;
	char cs[16];
	std::snprintf(cs, sizeof(cs), "10=%03u%c", checksum(m), kSoh);
	return m + cs;
}

bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

int connect_upstream(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	sockaddr_in sa{};

	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (sockaddr *)&sa, sizeof(sa)) == 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

} // namespace

int FaultWire::start(int public_port, int upstream_port, std::string &err)
{
	int one = 1;
	sockaddr_in sa{};
	socklen_t sl = sizeof(sa);

	upstream_port_ = upstream_port;
	listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)public_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listen_fd_ < 0 || setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(listen_fd_, (sockaddr *)&sa, sizeof(sa)) != 0 || listen(listen_fd_, 4) != 0 ||
	    getsockname(listen_fd_, (sockaddr *)&sa, &sl) != 0) {
		err = std::string("fault wire: listen on ") + std::to_string(public_port) + ": " + std::strerror(errno);
		return -1;
	}
	thread_ = std::thread(&FaultWire::run, this);
	return ntohs(sa.sin_port);
}

void FaultWire::stop()
{
	stop_ = true;
	if (thread_.joinable())
		thread_.join();
	close_pair();
	if (listen_fd_ >= 0)
		close(listen_fd_);
	listen_fd_ = -1;
}

void FaultWire::inject_garbage()
{
	std::lock_guard<std::mutex> lock(mu_);
	garbage_ = true;
}

void FaultWire::corrupt_next(const std::string &type)
{
	std::lock_guard<std::mutex> lock(mu_);
	corrupt_ = type;
}

void FaultWire::garble_next(const std::string &type)
{
	std::lock_guard<std::mutex> lock(mu_);
	garble_ = type;
}

void FaultWire::swallow_next(const std::string &type)
{
	std::lock_guard<std::mutex> lock(mu_);
	swallow_ = type;
}

void FaultWire::close_pair()
{
	if (client_fd_ >= 0)
		close(client_fd_);
	if (server_fd_ >= 0)
		close(server_fd_);
	client_fd_ = server_fd_ = -1;
}

// The message as it goes on, after any fault due; "" when it is swallowed.
std::string FaultWire::damage(std::string msg, bool downstream)
{
	std::lock_guard<std::mutex> lock(mu_);
	std::string type = msg_type(msg);

	if (downstream && !corrupt_.empty() && type == corrupt_) {
		corrupt_.clear();
		unsigned wrong = (checksum(msg.substr(0, msg.size() - 7)) + 1) & 0xffu;
		char cs[8];
		std::snprintf(cs, sizeof(cs), "%03u", wrong);
		msg.replace(msg.size() - 4, 3, cs);
		std::fprintf(stderr, "fault wire: CheckSum of a 35=%s corrupted\n", type.c_str());
	} else if (downstream && !garble_.empty() && type == garble_) {
		garble_.clear();
		size_t body = msg.find(kSoh, msg.find(std::string(1, kSoh) + "9=") + 1) + 1;
		msg = wrap(msg.substr(body, msg.size() - 7 - body) + "58=" + kSoh);
		std::fprintf(stderr, "fault wire: a 35=%s garbled (empty field 58)\n", type.c_str());
	} else if (!downstream && !swallow_.empty() && type == swallow_) {
		swallow_.clear();
		std::fprintf(stderr, "fault wire: a 35=%s swallowed\n", type.c_str());
		return "";
	}
	return msg;
}

// Reads what `from` has and forwards the whole messages in it; false when
// the connection is over.
bool FaultWire::pump(Half &h, bool downstream)
{
	char buf[65536];
	ssize_t n = recv(h.from, buf, sizeof(buf), 0);

	if (n <= 0)
		return n < 0 && errno == EINTR;
	h.pending.append(buf, (size_t)n);
	for (;;) {
		long len = frame(h.pending);
		if (len == 0)
			return true;
		if (len < 0) {
			bool ok = send_all(h.to, h.pending.data(), h.pending.size());
			h.pending.clear();
			return ok;
		}
		std::string out = damage(h.pending.substr(0, (size_t)len), downstream);
		h.pending.erase(0, (size_t)len);
		if (!out.empty() && !send_all(h.to, out.data(), out.size()))
			return false;
	}
}

void FaultWire::run()
{
	Half down, up;

	while (!stop_) {
		pollfd p[3] = {{listen_fd_, POLLIN, 0}, {server_fd_, POLLIN, 0}, {client_fd_, POLLIN, 0}};
		int n = poll(p, client_fd_ >= 0 ? 3 : 1, 20);

		if (client_fd_ >= 0) {
			bool garbage;
			{
				std::lock_guard<std::mutex> lock(mu_);
				garbage = garbage_;
				garbage_ = false;
			}
			if (garbage) {
				static const char junk[] = "\x00\xff\xfe garbage 8=FIX.4.2\x01" "9=1\x01 not FIX \x01\x01";
				send_all(client_fd_, junk, sizeof(junk) - 1);
				std::fprintf(stderr, "fault wire: %zu garbage bytes sent\n", sizeof(junk) - 1);
			}
		}
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC), one = 1;
			if (fd >= 0) {
				close_pair();
				client_fd_ = fd;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				server_fd_ = connect_upstream(upstream_port_);
				if (server_fd_ < 0)
					close_pair();
				down = Half{server_fd_, client_fd_, ""};
				up = Half{client_fd_, server_fd_, ""};
			}
			continue;
		}
		if (client_fd_ < 0)
			continue;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(down, true))
			close_pair();
		else if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) && !pump(up, false))
			close_pair();
	}
}
