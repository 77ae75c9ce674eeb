// A small exchange built on QuickFIX, the real FIX engine the adapter's tests
// run against (tests/adapters/fix/test_fix_quickfix.c).  Test-only code.
//
//   quickfix_acceptor --port N --dir DIR --dict FIX44.xml --password PW
//                     [--comp-ids VENUE,RG]
//
// (--port 0: any free port; DIR/ready then holds the one it took.)
//
// It accepts one FIX 4.4 session VENUE <- RG (its own CompID, then the
// adapter's: --comp-ids changes them), validates every incoming
// message against the data dictionary, and refuses a Logon whose
// Password(554) is not PW.  The adapter connects to port N, where a
// fault-injecting wire (fault_wire.h) relays to QuickFIX on another loopback
// port.  As an exchange it:
//   - rejects a NewOrderSingle for a symbol other than AAPL, MSFT, IBM
//     (ExecutionReport 150=8, OrdRejReason 1 = unknown symbol);
//   - acks every other order (150=0), then by quantity:
//       qty <  100   fills fully at the limit price (100 for market orders)
//       qty < 1000   fills half, the rest stays open
//       otherwise    rests;
//   - cancels an open order on OrderCancelRequest (150=4), or answers
//     OrderCancelReject (35=9, CxlRejReason 1) for one it does not know;
//   - replaces an open order on OrderCancelReplaceRequest (150=5, the new
//     OrderQty and Price, the order known by the new ClOrdID from then on), or
//     answers OrderCancelReject (35=9, 434=2; CxlRejReason 1 unknown order,
//     0 a new quantity not above what it filled).
// Files in DIR:
//   orders.log  one line per NewOrderSingle received, its fields as they came:
//               "ClOrdID Symbol Side OrderQty OrdType Price|- TimeInForce"
//   cancels.log one line per OrderCancelRequest: "ClOrdID OrigClOrdID Symbol Side OrderQty"
//   replaces.log one line per OrderCancelReplaceRequest: "ClOrdID OrigClOrdID Symbol Side OrderQty Price TimeInForce"
//   events.log  "logon user=U", "logout", "logon refused", and the session
//               messages the adapter sent: "reject 45=N 371=T 373=R",
//               "resend request 7=B 16=E", "gap fill 34=N 36=M"
//   ready       written once the acceptor listens: the port
//   control     commands the test drops in, one per line, executed and then
//               the file removed:
//                 drop        disconnect the session
//                 skip N      jump our outgoing MsgSeqNum forward by N
//                 rewind N    move the expected incoming MsgSeqNum back by N
//                             (as if the last N messages had been lost)
//                 logout      log the session out (logons are taken again
//                             once it is over)
//                 garbage, corrupt TYPE, garble TYPE, swallow TYPE
//                             the wire's faults (fault_wire.h)
// Runs until SIGTERM or SIGINT.
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "fault_wire.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

struct Order {
	std::string symbol, side;
	double qty = 0, cum = 0, px = 0;
};

std::string num(double v)
{
	char buf[64];
	std::snprintf(buf, sizeof(buf), "%.8g", v);
	return buf;
}

class Exchange : public FIX::Application {
public:
	Exchange(const std::string &dir, const std::string &password) : dir_(dir), password_(password)
	{
		orders_ = std::fopen((dir + "/orders.log").c_str(), "a");
		cancels_ = std::fopen((dir + "/cancels.log").c_str(), "a");
		replaces_ = std::fopen((dir + "/replaces.log").c_str(), "a");
		events_ = std::fopen((dir + "/events.log").c_str(), "a");
	}
	~Exchange() override
	{
		for (FILE *f : {orders_, cancels_, replaces_, events_})
			if (f != nullptr)
				std::fclose(f);
	}
	bool ok() const
	{
		return orders_ != nullptr && cancels_ != nullptr && replaces_ != nullptr && events_ != nullptr;
	}

	void onCreate(const FIX::SessionID &) override {}
	void onLogon(const FIX::SessionID &) override { event("logon"); }
	void onLogout(const FIX::SessionID &) override { event("logout"); }
	void toAdmin(FIX::Message &, const FIX::SessionID &) override {}
	void toApp(FIX::Message &, const FIX::SessionID &) throw(FIX::DoNotSend) override {}

	void fromAdmin(const FIX::Message &m, const FIX::SessionID &) throw(
		FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override
	{
		std::string type = m.getHeader().getField(FIX::FIELD::MsgType);
		if (type == "3") {
			event("reject 45=" + field(m, 45) + " 371=" + field(m, 371) + " 373=" + field(m, 373));
		} else if (type == "2") {
			event("resend request 7=" + field(m, 7) + " 16=" + field(m, 16));
		} else if (type == "4") {
			event("gap fill 34=" + m.getHeader().getField(34) + " 36=" + field(m, 36));
		} else if (type == "A") {
			if (!m.isSetField(554) || m.getField(554) != password_) {
				event("logon refused");
				throw FIX::RejectLogon("invalid password");
			}
			event("logon user=" + field(m, 553));
		}
	}

	void fromApp(const FIX::Message &m, const FIX::SessionID &id) throw(
		FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override
	{
		std::string type = m.getHeader().getField(FIX::FIELD::MsgType);
		std::lock_guard<std::mutex> lock(mu_);
		if (type == "D")
			new_order(m, id);
		else if (type == "F")
			cancel(m, id);
		else if (type == "G")
			replace(m, id);
		else
			throw FIX::UnsupportedMessageType();
	}

private:
	static std::string field(const FIX::Message &m, int tag) { return m.isSetField(tag) ? m.getField(tag) : "-"; }

	// Its own lock: QuickFIX calls onLogon/onLogout/fromAdmin holding the
	// session's lock, while fromApp holds mu_ when it sends.
	void event(const std::string &what)
	{
		std::lock_guard<std::mutex> lock(log_mu_);
		std::fprintf(events_, "%s\n", what.c_str());
		std::fflush(events_);
	}

	FIX::Message report(const std::string &cl_ord_id, const std::string &order_id, const Order &o, char exec_type,
			    char status, double leaves)
	{
		FIX::Message er;
		er.getHeader().setField(FIX::FIELD::MsgType, "8");
		er.setField(37, order_id);
		er.setField(17, "X" + std::to_string(++exec_id_));
		er.setField(11, cl_ord_id);
		er.setField(150, std::string(1, exec_type));
		er.setField(39, std::string(1, status));
		er.setField(55, o.symbol);
		er.setField(54, o.side);
		er.setField(38, num(o.qty));
		er.setField(151, num(leaves));
		er.setField(14, num(o.cum));
		er.setField(6, num(o.cum > 0 ? o.px : 0));
		return er;
	}

	void fill(const std::string &cl_ord_id, Order &o, double qty, const FIX::SessionID &id)
	{
		o.cum += qty;
		double leaves = o.qty - o.cum;
		FIX::Message er = report(cl_ord_id, cl_ord_id, o, 'F', leaves > 0 ? '1' : '2', leaves);
		er.setField(32, num(qty));
		er.setField(31, num(o.px));
		FIX::Session::sendToTarget(er, id);
	}

	void new_order(const FIX::Message &m, const FIX::SessionID &id)
	{
		std::string cl = m.getField(11);
		Order o;
		o.symbol = m.getField(55);
		o.side = m.getField(54);
		o.qty = std::atof(m.getField(38).c_str());
		o.px = m.isSetField(44) ? std::atof(m.getField(44).c_str()) : 100.0;
		std::fprintf(orders_, "%s %s %s %s %s %s %s\n", cl.c_str(), o.symbol.c_str(), o.side.c_str(),
			     m.getField(38).c_str(), m.getField(40).c_str(), field(m, 44).c_str(), field(m, 59).c_str());
		std::fflush(orders_);
		if (o.symbol != "AAPL" && o.symbol != "MSFT" && o.symbol != "IBM") {
			FIX::Message er = report(cl, "NONE", o, '8', '8', 0);
			er.setField(103, "1");
			er.setField(58, "unknown symbol");
			FIX::Session::sendToTarget(er, id);
			return;
		}
		FIX::Message ack = report(cl, cl, o, '0', '0', o.qty);
		FIX::Session::sendToTarget(ack, id);
		if (o.qty < 100) {
			fill(cl, o, o.qty, id);
			return;
		}
		if (o.qty < 1000)
			fill(cl, o, o.qty / 2, id);
		open_[cl] = o;
	}

	void cancel(const FIX::Message &m, const FIX::SessionID &id)
	{
		std::string cl = m.getField(11), orig = m.getField(41);
		std::fprintf(cancels_, "%s %s %s %s %s\n", cl.c_str(), orig.c_str(), m.getField(55).c_str(),
			     m.getField(54).c_str(), m.getField(38).c_str());
		std::fflush(cancels_);
		auto it = open_.find(orig);
		if (it == open_.end()) {
			FIX::Message rej;
			rej.getHeader().setField(FIX::FIELD::MsgType, "9");
			rej.setField(37, "NONE");
			rej.setField(11, cl);
			rej.setField(41, orig);
			rej.setField(39, "8");
			rej.setField(434, "1");
			rej.setField(102, "1");
			FIX::Session::sendToTarget(rej, id);
			return;
		}
		FIX::Message er = report(cl, orig, it->second, '4', '4', 0);
		er.setField(41, orig);
		open_.erase(it);
		FIX::Session::sendToTarget(er, id);
	}

	void replace(const FIX::Message &m, const FIX::SessionID &id)
	{
		std::string cl = m.getField(11), orig = m.getField(41);
		double qty = std::atof(m.getField(38).c_str());
		std::fprintf(replaces_, "%s %s %s %s %s %s %s\n", cl.c_str(), orig.c_str(), m.getField(55).c_str(),
			     m.getField(54).c_str(), m.getField(38).c_str(), field(m, 44).c_str(), field(m, 59).c_str());
		std::fflush(replaces_);
		auto it = open_.find(orig);
		if (it == open_.end() || qty <= it->second.cum) {
			FIX::Message rej;
			rej.getHeader().setField(FIX::FIELD::MsgType, "9");
			rej.setField(37, it == open_.end() ? "NONE" : orig);
			rej.setField(11, cl);
			rej.setField(41, orig);
			rej.setField(39, it == open_.end() ? "8" : "0");
			rej.setField(434, "2");
			rej.setField(102, it == open_.end() ? "1" : "0");
			FIX::Session::sendToTarget(rej, id);
			return;
		}
		Order o = it->second;
		open_.erase(it);
		o.qty = qty;
		if (m.isSetField(44))
			o.px = std::atof(m.getField(44).c_str());
		FIX::Message er = report(cl, cl, o, '5', o.cum > 0 ? '1' : '0', o.qty - o.cum);
		er.setField(41, orig);
		er.setField(44, num(o.px));
		open_[cl] = o;
		FIX::Session::sendToTarget(er, id);
	}

	std::mutex mu_, log_mu_;
	std::string dir_, password_;
	FILE *orders_ = nullptr, *cancels_ = nullptr, *replaces_ = nullptr, *events_ = nullptr;
	std::map<std::string, Order> open_;
	long exec_id_ = 0;
};

// Executes the commands of DIR/control, then removes it.
void control_loop(const std::string &dir, const FIX::SessionID &id, FaultWire &wire)
{
	std::string path = dir + "/control";
	while (!g_stop) {
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		std::ifstream in(path);
		if (!in)
			continue;
		std::string line;
		FIX::Session *s = FIX::Session::lookupSession(id);
		while (std::getline(in, line)) {
			std::istringstream words(line);
			std::string cmd, arg;
			words >> cmd >> arg;
			int n = std::atoi(arg.c_str());
			std::fprintf(stderr, "quickfix_acceptor: control '%s'\n", line.c_str());
			if (cmd == "garbage")
				wire.inject_garbage();
			else if (cmd == "corrupt")
				wire.corrupt_next(arg);
			else if (cmd == "garble")
				wire.garble_next(arg);
			else if (cmd == "swallow")
				wire.swallow_next(arg);
			if (s == nullptr)
				continue;
			if (cmd == "drop")
				s->disconnect();
			else if (cmd == "skip")
				s->setNextSenderMsgSeqNum(s->getExpectedSenderNum() + n);
			else if (cmd == "rewind")
				s->setNextTargetMsgSeqNum(s->getExpectedTargetNum() - n);
			else if (cmd == "logout") {
				// Session::logout also disables the session: take logons
				// again once the Logout exchange is over.
				s->logout("requested by the test");
				for (int i = 0; i < 200 && s->isLoggedOn(); i++)
					std::this_thread::sleep_for(std::chrono::milliseconds(10));
				s->logon();
			}
		}
		in.close();
		std::remove(path.c_str());
	}
}

// A loopback port free right now, for QuickFIX behind the wire.
int free_port()
{
	sockaddr_in sa{};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(fd, (sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int usage()
{
	std::fprintf(stderr, "usage: quickfix_acceptor --port N --dir DIR --dict FIX44.xml --password PW "
			     "[--comp-ids VENUE,RG]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::string port, dir, dict, password, ours = "VENUE", theirs = "RG";
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i], v = argv[i + 1];
		if (k == "--port")
			port = v;
		else if (k == "--dir")
			dir = v;
		else if (k == "--dict")
			dict = v;
		else if (k == "--comp-ids" && v.find(',') != std::string::npos)
			ours = v.substr(0, v.find(',')), theirs = v.substr(v.find(',') + 1);
		else if (k == "--password")
			password = v;
		else
			return usage();
	}
	if (port.empty() || dir.empty() || dict.empty())
		return usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	try {
		int inner = free_port();
		if (inner < 0) {
			std::fprintf(stderr, "quickfix_acceptor: no free port for QuickFIX\n");
			return 1;
		}
		FIX::Dictionary defaults;
		defaults.setString("ConnectionType", "acceptor");
		defaults.setString("SocketAcceptPort", std::to_string(inner));
		defaults.setString("SocketReuseAddress", "Y");
		defaults.setString("StartTime", "00:00:00");
		defaults.setString("EndTime", "00:00:00");
		defaults.setString("UseDataDictionary", "Y");
		defaults.setString("DataDictionary", dict);
		defaults.setString("FileStorePath", dir + "/store");
		defaults.setString("FileLogPath", dir + "/log");
		defaults.setString("CheckLatency", "N");
		defaults.setString("ResetOnLogon", "N");
		defaults.setString("ResetOnLogout", "N");
		defaults.setString("ResetOnDisconnect", "N");
		FIX::SessionSettings settings;
		settings.set(defaults);
		FIX::SessionID id("FIX.4.4", ours, theirs);
		FIX::Dictionary session;
		settings.set(id, session);

		Exchange app(dir, password);
		if (!app.ok()) {
			std::fprintf(stderr, "quickfix_acceptor: cannot write in %s\n", dir.c_str());
			return 1;
		}
		FIX::FileStoreFactory store(settings);
		FIX::FileLogFactory log(settings);
		FIX::SocketAcceptor acceptor(app, store, settings, log);
		acceptor.start();
		FaultWire wire;
		std::string err;
		int listening = wire.start(std::atoi(port.c_str()), inner, err);
		if (listening < 0) {
			std::fprintf(stderr, "quickfix_acceptor: %s\n", err.c_str());
			acceptor.stop();
			return 1;
		}
		{
			std::ofstream ready(dir + "/ready.tmp");
			ready << listening << "\n";
		}
		std::rename((dir + "/ready.tmp").c_str(), (dir + "/ready").c_str());
		std::thread control(control_loop, dir, id, std::ref(wire));
		while (!g_stop)
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		control.join();
		wire.stop();
		acceptor.stop();
	} catch (const std::exception &e) {
		std::fprintf(stderr, "quickfix_acceptor: %s\n", e.what());
		return 1;
	}
	return 0;
}
