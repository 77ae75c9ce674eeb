// A fault-injecting wire for the QuickFIX test peer (quickfix_acceptor.cpp):
// a TCP relay on loopback between the adapter under test and the QuickFIX
// acceptor that forwards whole FIX messages and, on command, damages the
// stream the way a bad network or a broken venue would.  Test-only code.
//
//   adapter <--> 127.0.0.1:public_port [FaultWire] <--> 127.0.0.1:upstream_port QuickFIX
//
// Each fault applies once, to the next message that matches:
//   garbage       bytes that are not FIX go to the adapter, between two messages
//   corrupt TYPE  the next venue -> adapter message of MsgType TYPE gets a
//                 wrong CheckSum (the rest intact)
//   garble TYPE   the next venue -> adapter message of MsgType TYPE gets an
//                 empty field (58=) with a correct BodyLength and CheckSum
//   swallow TYPE  the next adapter -> venue message of MsgType TYPE is never
//                 delivered (as if lost between the two)
// A connection closed on one side is closed on the other.
#ifndef RG_TEST_FAULT_WIRE_H
#define RG_TEST_FAULT_WIRE_H

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

class FaultWire {
public:
	~FaultWire() { stop(); }

	// Listens on public_port (0: any free one) and starts relaying; returns
	// the port it listens on, or -1 with err set.
	int start(int public_port, int upstream_port, std::string &err);
	void stop();

	void inject_garbage();
	void corrupt_next(const std::string &type);
	void garble_next(const std::string &type);
	void swallow_next(const std::string &type);

private:
	struct Half {
		int from = -1, to = -1;
		std::string pending; // bytes read from `from`, not yet a whole message
	};

	void run();
	void close_pair();
	bool pump(Half &h, bool downstream);
	std::string damage(std::string msg, bool downstream);

	int listen_fd_ = -1, upstream_port_ = 0;
	int client_fd_ = -1, server_fd_ = -1;
	std::atomic<bool> stop_{false};
	std::thread thread_;
	std::mutex mu_; // guards the fault fields below
	bool garbage_ = false;
	std::string corrupt_, garble_, swallow_;
};

#endif
