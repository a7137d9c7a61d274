// Tests of the 16550A model: registers, FIFOs, interrupt rules, loopback.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/devices/uart16550.h"

using namespace helios::sim;
using namespace helios::sim::uart;

namespace {

// A UART with its output and interrupt edges captured.
struct Rig {
    Uart16550 uart;
    std::string out;
    std::vector<bool> edges;

    Rig()
    {
        uart.on_tx = [this](uint8_t b) { out.push_back(static_cast<char>(b)); };
        uart.on_irq_change = [this](bool level) { edges.push_back(level); };
    }
    uint8_t iir() { return uart.read(kIir); }
    uint8_t lsr() { return uart.read(kLsr); }
    void push(std::string_view bytes)
    {
        for (char c : bytes) {
            uart.push_rx(static_cast<uint8_t>(c));
        }
    }
};

}  // namespace

TEST_CASE("uart: power-on register values", "[uart]")
{
    Rig r;
    CHECK(r.uart.read(kIer) == 0x00);
    CHECK(r.iir() == kIirNoInt);
    CHECK(r.uart.read(kLcr) == 0x00);
    CHECK(r.uart.read(kMcr) == 0x00);
    CHECK(r.lsr() == (kLsrThre | kLsrTemt));
    CHECK(r.uart.read(kMsr) == (kMsrCts | kMsrDsr | kMsrDcd));
    CHECK(r.uart.baud() == 9600);
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.edges.empty());
}

TEST_CASE("uart: divisor latch sets the baud rate and hides THR/IER", "[uart]")
{
    Rig r;
    r.uart.write(kLcr, kLcrDlab | 0x03);
    r.uart.write(kDll, 0x01);
    r.uart.write(kDlm, 0x00);
    CHECK(r.uart.baud() == 115200);
    CHECK(r.uart.read(kDll) == 0x01);
    CHECK(r.uart.read(kDlm) == 0x00);
    CHECK(r.out.empty());  // the DLL write did not transmit

    r.uart.write(kDll, 0x80);
    r.uart.write(kDlm, 0x01);  // 0x180 = 384 -> 300 baud
    CHECK(r.uart.divisor() == 0x180);
    CHECK(r.uart.baud() == 300);
    CHECK(r.uart.read(kDlm) == 0x01);

    r.uart.write(kLcr, 0x03);  // DLAB off: offsets 0/1 are THR/IER again
    CHECK(r.uart.lcr() == 0x03);
    CHECK(r.uart.read(kLcr) == 0x03);
    r.uart.write(kIer, 0x05);
    CHECK(r.uart.read(kIer) == 0x05);
    CHECK(r.uart.divisor() == 0x180);
    r.uart.write(kThr, 'x');
    CHECK(r.out == "x");
}

TEST_CASE("uart: divisor 3 is 38400 baud, divisor 0 stops the line", "[uart]")
{
    Rig r;
    r.uart.write(kLcr, kLcrDlab);
    r.uart.write(kDll, 3);
    r.uart.write(kDlm, 0);
    CHECK(r.uart.baud() == 38400);
    r.uart.write(kDll, 0);
    CHECK(r.uart.baud() == 0);
}

TEST_CASE("uart: scratch register holds any value", "[uart]")
{
    Rig r;
    for (unsigned v : {0x00u, 0x5Au, 0xA5u, 0xFFu}) {
        r.uart.write(kScr, static_cast<uint8_t>(v));
        CHECK(r.uart.read(kScr) == v);
    }
}

TEST_CASE("uart: IER and MCR keep only implemented bits", "[uart]")
{
    Rig r;
    r.uart.write(kIer, 0xFF);
    CHECK(r.uart.read(kIer) == 0x0F);
    r.uart.write(kMcr, 0xEF);
    CHECK(r.uart.read(kMcr) == 0x0F);
}

TEST_CASE("uart: registers outside 0..7 read 0xFF and ignore writes", "[uart]")
{
    Rig r;
    r.uart.write(8, 'x');
    r.uart.write(15, 0xFF);
    CHECK(r.uart.read(8) == 0xFF);
    CHECK(r.uart.read(1000) == 0xFF);
    CHECK(r.out.empty());
    CHECK(r.uart.read(kScr) == 0);
}

TEST_CASE("uart: LSR DR follows received data, THRE/TEMT stay set", "[uart]")
{
    Rig r;
    CHECK((r.lsr() & kLsrDr) == 0);
    CHECK(r.uart.push_rx('a'));
    CHECK(r.lsr() == (kLsrDr | kLsrThre | kLsrTemt));
    CHECK(r.uart.read(kRbr) == 'a');
    CHECK(r.lsr() == (kLsrThre | kLsrTemt));
    r.uart.write(kThr, 'b');
    CHECK(r.lsr() == (kLsrThre | kLsrTemt));  // sent instantly
    CHECK(r.out == "b");
}

TEST_CASE("uart: non-FIFO mode holds one byte - overrun replaces it and sets OE", "[uart]")
{
    Rig r;
    CHECK(r.uart.rx_space() == 1);
    CHECK(r.uart.push_rx('1'));
    CHECK(r.uart.rx_space() == 0);
    CHECK_FALSE(r.uart.push_rx('2'));
    CHECK(r.lsr() == (kLsrDr | kLsrOe | kLsrThre | kLsrTemt));
    CHECK((r.lsr() & kLsrOe) == 0);  // reading LSR cleared OE
    CHECK(r.uart.read(kRbr) == '2');
    CHECK(r.uart.read(kRbr) == '2');  // empty holding register: stale byte
    CHECK((r.lsr() & kLsrDr) == 0);
}

TEST_CASE("uart: FIFO mode holds 16 bytes in order - the 17th overruns and is dropped", "[uart]")
{
    Rig r;
    r.uart.write(kFcr, kFcrEnable);
    CHECK(r.uart.fifo_enabled());
    CHECK(r.uart.rx_space() == 16);
    for (int i = 0; i < 16; ++i) {
        CHECK(r.uart.push_rx(static_cast<uint8_t>('a' + i)));
    }
    CHECK(r.uart.rx_space() == 0);
    CHECK(r.uart.rx_level() == 16);
    CHECK_FALSE(r.uart.push_rx('!'));
    CHECK((r.lsr() & kLsrOe) != 0);
    std::string got;
    while (r.lsr() & kLsrDr) {
        got.push_back(static_cast<char>(r.uart.read(kRbr)));
    }
    CHECK(got == "abcdefghijklmnop");
    CHECK(r.uart.read(kRbr) == 0);  // empty FIFO reads 0, as in QEMU
}

TEST_CASE("uart: IIR shows FIFO bits 6-7 only while FIFOs are enabled", "[uart]")
{
    Rig r;
    CHECK(r.iir() == 0x01);
    r.uart.write(kFcr, kFcrEnable);
    CHECK(r.iir() == 0xC1);
    r.uart.write(kFcr, 0);
    CHECK(r.iir() == 0x01);
}

TEST_CASE("uart: FCR clears the RX FIFO on request and on mode change", "[uart]")
{
    Rig r;
    r.uart.write(kFcr, kFcrEnable);
    r.push("abc");
    r.uart.write(kFcr, kFcrEnable | kFcrClearRx);
    CHECK(r.uart.rx_level() == 0);
    CHECK((r.lsr() & kLsrDr) == 0);

    r.push("abc");
    r.uart.write(kFcr, kFcrEnable | kFcrClearTx);  // TX clear leaves RX alone
    CHECK(r.uart.rx_level() == 3);

    r.uart.write(kFcr, 0);  // FIFO -> 16450 mode empties the FIFO
    CHECK(r.uart.rx_level() == 0);
    CHECK_FALSE(r.uart.fifo_enabled());

    r.push("z");
    r.uart.write(kFcr, kFcrClearRx);  // bit 0 clear: other bits not programmed
    CHECK(r.uart.rx_level() == 1);
    r.uart.write(kFcr, kFcrEnable);  // 16450 -> FIFO mode empties it
    CHECK(r.uart.rx_level() == 0);
}

TEST_CASE("uart: RX trigger levels 1/4/8/14 select data-available vs timeout", "[uart]")
{
    struct Case {
        uint8_t fcr;
        unsigned level;
    };
    const Case c = GENERATE(Case{kFcrTrigger1, 1}, Case{kFcrTrigger4, 4}, Case{kFcrTrigger8, 8},
                            Case{kFcrTrigger14, 14});
    Rig r;
    r.uart.write(kFcr, kFcrEnable | c.fcr);
    r.uart.write(kIer, kIerRda);
    r.uart.write(kMcr, kMcrOut2);
    CHECK(r.uart.rx_trigger_level() == c.level);
    CHECK(r.iir() == 0xC1);
    for (unsigned i = 1; i < c.level; ++i) {
        r.uart.push_rx('x');
        CHECK(r.iir() == (0xC0 | kIirTimeout));
        CHECK(r.uart.irq_level());
    }
    r.uart.push_rx('x');
    CHECK(r.iir() == (0xC0 | kIirRda));
    // Reading below the trigger again turns it back into a timeout report.
    r.uart.read(kRbr);
    if (c.level > 1) {
        CHECK(r.iir() == (0xC0 | kIirTimeout));
    } else {
        CHECK(r.iir() == 0xC1);
        CHECK_FALSE(r.uart.irq_level());
    }
}

TEST_CASE("uart: non-FIFO receive raises data-available, cleared by reading RBR", "[uart]")
{
    Rig r;
    r.uart.write(kIer, kIerRda);
    r.uart.write(kMcr, kMcrOut2);
    r.uart.push_rx('q');
    CHECK(r.iir() == kIirRda);
    CHECK(r.uart.irq_level());
    CHECK(r.uart.read(kRbr) == 'q');
    CHECK(r.iir() == kIirNoInt);
    CHECK_FALSE(r.uart.irq_level());
}

TEST_CASE("uart: received data does not interrupt while IER.RDA is off", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kFcr, kFcrEnable);
    r.push("abc");
    CHECK(r.iir() == 0xC1);
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.edges.empty());
}

TEST_CASE("uart: overrun raises a line-status interrupt cleared by reading LSR", "[uart]")
{
    Rig r;
    r.uart.write(kIer, kIerRls);
    r.uart.write(kMcr, kMcrOut2);
    r.uart.push_rx('a');
    CHECK(r.iir() == kIirNoInt);  // data alone: RDA not enabled
    r.uart.push_rx('b');
    CHECK(r.iir() == kIirLineStatus);
    CHECK(r.uart.irq_level());
    CHECK((r.lsr() & kLsrOe) != 0);
    CHECK(r.iir() == kIirNoInt);
    CHECK_FALSE(r.uart.irq_level());
}

TEST_CASE("uart: IIR reports sources in priority order LS > RDA > THRE > MS", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerRda | kIerThre | kIerRls | kIerMs);  // THRE pending now
    r.uart.set_modem_inputs(kMsrDsr | kMsrDcd);                  // CTS dropped: DCTS
    r.uart.push_rx('a');
    r.uart.push_rx('b');  // overrun

    CHECK(r.iir() == kIirLineStatus);
    CHECK(r.iir() == kIirLineStatus);  // reading IIR does not clear it
    r.lsr();
    CHECK(r.iir() == kIirRda);
    r.uart.read(kRbr);
    CHECK(r.iir() == kIirThre);  // this read acknowledges THRE
    CHECK(r.iir() == kIirModemStatus);
    CHECK(r.uart.read(kMsr) == (kMsrDsr | kMsrDcd | kMsrDcts));
    CHECK(r.iir() == kIirNoInt);
    CHECK_FALSE(r.uart.irq_level());
}

TEST_CASE("uart: enabling the THRE interrupt while THR is empty raises it at once", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    CHECK_FALSE(r.uart.irq_level());
    r.uart.write(kIer, kIerThre);
    CHECK(r.uart.irq_level());
    CHECK(r.edges == std::vector<bool>{true});
    CHECK(r.iir() == kIirThre);
}

TEST_CASE("uart: reading IIR acknowledges THRE - rewriting IER re-arms it", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerThre);
    CHECK(r.iir() == kIirThre);
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.iir() == kIirNoInt);
    // The Linux startup probe: IER=0, IER=THRI, expect THRE again.
    r.uart.write(kIer, 0);
    r.uart.write(kIer, kIerThre);
    CHECK(r.iir() == kIirThre);
    CHECK(r.edges == std::vector<bool>{true, false, true, false});
}

TEST_CASE("uart: an IIR read showing a higher source leaves THRE pending", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerThre | kIerRda);
    r.uart.push_rx('a');
    CHECK(r.iir() == kIirRda);
    CHECK(r.iir() == kIirRda);
    r.uart.read(kRbr);
    CHECK(r.iir() == kIirThre);
    CHECK(r.iir() == kIirNoInt);
}

TEST_CASE("uart: writing THR clears THRE and the instant send raises it again", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerThre);
    CHECK(r.iir() == kIirThre);  // acknowledged: line low
    r.edges.clear();

    r.uart.write(kThr, 'A');
    CHECK(r.out == "A");
    CHECK(r.uart.irq_level());
    CHECK(r.edges == std::vector<bool>{true});

    // Writing while THRE is still pending: the line pulses low then high,
    // a fresh edge for an edge-triggered PIC.
    r.uart.write(kThr, 'B');
    r.uart.write(kThr, 'C');
    CHECK(r.out == "ABC");
    CHECK(r.edges == std::vector<bool>{true, false, true, false, true});
    CHECK(r.iir() == kIirThre);
    CHECK(r.iir() == kIirNoInt);
}

TEST_CASE("uart: with IER.THRE off, transmitting raises no interrupt", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kThr, 'x');
    CHECK(r.iir() == kIirNoInt);
    CHECK(r.edges.empty());
}

TEST_CASE("uart: OUT2 gates the interrupt output", "[uart]")
{
    Rig r;
    r.uart.write(kIer, kIerRda);
    r.uart.push_rx('a');
    CHECK(r.uart.interrupt_pending());
    CHECK(r.iir() == kIirRda);
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.edges.empty());

    r.uart.write(kMcr, kMcrOut2 | kMcrDtr | kMcrRts);
    CHECK(r.uart.irq_level());
    r.uart.write(kMcr, kMcrDtr | kMcrRts);
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.uart.interrupt_pending());
    CHECK(r.edges == std::vector<bool>{true, false});
}

TEST_CASE("uart: loopback sends TX to RX, not to the line", "[uart]")
{
    Rig r;
    r.uart.write(kFcr, kFcrEnable);
    r.uart.write(kMcr, kMcrLoop);
    CHECK(r.uart.loopback());
    r.uart.write(kThr, 'h');
    r.uart.write(kThr, 'i');
    CHECK(r.out.empty());
    CHECK((r.lsr() & kLsrDr) != 0);
    CHECK(r.uart.read(kRbr) == 'h');
    CHECK(r.uart.read(kRbr) == 'i');

    // The serial input is disconnected meanwhile.
    CHECK(r.uart.rx_space() == 0);
    CHECK_FALSE(r.uart.push_rx('x'));
    CHECK((r.lsr() & (kLsrDr | kLsrOe)) == 0);

    r.uart.write(kMcr, 0);
    r.uart.write(kThr, '!');
    CHECK(r.out == "!");
    CHECK(r.uart.rx_space() == 16);
}

TEST_CASE("uart: loopback mirrors MCR into MSR and reports the deltas", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrLoop);
    // Entering loopback drops CTS/DSR/DCD from the far end: three deltas.
    CHECK(r.uart.read(kMsr) == (kMsrDcts | kMsrDdsr | kMsrDdcd));
    r.uart.write(kMcr, kMcrLoop | kMcrDtr);
    CHECK(r.uart.read(kMsr) == (kMsrDsr | kMsrDdsr));
    r.uart.write(kMcr, kMcrLoop | kMcrRts);
    CHECK(r.uart.read(kMsr) == (kMsrCts | kMsrDcts | kMsrDdsr));
    r.uart.write(kMcr, kMcrLoop | kMcrOut1);
    CHECK((r.uart.read(kMsr) & 0xF0) == kMsrRi);
    r.uart.write(kMcr, kMcrLoop | kMcrOut2);
    // RI fell: trailing-edge RI; DCD rose.
    CHECK(r.uart.read(kMsr) == (kMsrDcd | kMsrTeri | kMsrDdcd));
    // Linux's autoconfig probe: MCR = LOOP|OUT2|RTS must read back 0x90.
    r.uart.write(kMcr, kMcrLoop | kMcrOut2 | kMcrRts);
    CHECK((r.uart.read(kMsr) & 0xF0) == 0x90);
}

TEST_CASE("uart: no interrupt output in loopback, IIR still reports", "[uart]")
{
    Rig r;
    r.uart.write(kIer, kIerRda);
    r.uart.write(kMcr, kMcrLoop | kMcrOut2);
    r.uart.write(kThr, 'x');
    CHECK(r.iir() == kIirRda);
    CHECK(r.uart.interrupt_pending());
    CHECK_FALSE(r.uart.irq_level());
    r.uart.write(kMcr, kMcrOut2);
    CHECK(r.uart.irq_level());
}

TEST_CASE("uart: far-end modem line changes set deltas and the MS interrupt", "[uart]")
{
    Rig r;
    r.uart.write(kIer, kIerMs);
    r.uart.write(kMcr, kMcrOut2);
    r.uart.set_modem_inputs(kMsrCts | kMsrDsr | kMsrDcd);  // no change
    CHECK_FALSE(r.uart.irq_level());
    r.uart.set_modem_inputs(kMsrCts | kMsrDsr | kMsrDcd | kMsrRi);  // RI rises: no TERI
    CHECK(r.uart.read(kMsr) == (kMsrCts | kMsrDsr | kMsrDcd | kMsrRi));
    CHECK_FALSE(r.uart.irq_level());
    r.uart.set_modem_inputs(kMsrCts | kMsrDsr | kMsrDcd);  // RI falls: TERI
    CHECK(r.uart.irq_level());
    CHECK(r.iir() == kIirModemStatus);
    CHECK(r.uart.read(kMsr) == (kMsrCts | kMsrDsr | kMsrDcd | kMsrTeri));
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.edges == std::vector<bool>{true, false});
}

TEST_CASE("uart: the IRQ callback fires only on level changes", "[uart]")
{
    Rig r;
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerRda);
    r.uart.write(kFcr, kFcrEnable);
    r.push("abcd");  // one rising edge, not four
    CHECK(r.edges == std::vector<bool>{true});
    r.uart.read(kRbr);
    r.uart.read(kRbr);
    r.uart.read(kRbr);
    CHECK(r.edges == std::vector<bool>{true});
    r.uart.read(kRbr);
    CHECK(r.edges == std::vector<bool>{true, false});
    CHECK_FALSE(r.uart.irq_level());
}

TEST_CASE("uart: reset returns to power-on state and drops the IRQ", "[uart]")
{
    Rig r;
    r.uart.write(kFcr, kFcrEnable | kFcrTrigger8);
    r.uart.write(kMcr, kMcrOut2);
    r.uart.write(kIer, kIerThre);
    r.uart.write(kScr, 0x42);
    r.push("xy");
    REQUIRE(r.uart.irq_level());
    r.uart.reset();
    CHECK_FALSE(r.uart.irq_level());
    CHECK(r.edges.back() == false);
    CHECK(r.uart.rx_level() == 0);
    CHECK_FALSE(r.uart.fifo_enabled());
    CHECK(r.iir() == kIirNoInt);
    CHECK(r.uart.read(kScr) == 0);
    CHECK(r.uart.baud() == 9600);
}
