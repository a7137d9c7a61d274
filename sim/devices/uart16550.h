// A register-level model of the 16550A UART as PC drivers (and QEMU's model) see it.
#ifndef HELIOS_SIM_DEVICES_UART16550_H
#define HELIOS_SIM_DEVICES_UART16550_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace helios::sim {

// Register offsets from the port base (COM1 0x3F8, COM2 0x2F8) and the bits
// the model implements, named as in the National PC16550D datasheet.
namespace uart {
inline constexpr unsigned kRbr = 0;  // read, DLAB=0: receive buffer
inline constexpr unsigned kThr = 0;  // write, DLAB=0: transmit holding
inline constexpr unsigned kDll = 0;  // DLAB=1: divisor latch, low byte
inline constexpr unsigned kIer = 1;  // DLAB=0: interrupt enable
inline constexpr unsigned kDlm = 1;  // DLAB=1: divisor latch, high byte
inline constexpr unsigned kIir = 2;  // read: interrupt identification
inline constexpr unsigned kFcr = 2;  // write: FIFO control
inline constexpr unsigned kLcr = 3;  // line control
inline constexpr unsigned kMcr = 4;  // modem control
inline constexpr unsigned kLsr = 5;  // line status
inline constexpr unsigned kMsr = 6;  // modem status
inline constexpr unsigned kScr = 7;  // scratch

inline constexpr uint8_t kIerRda = 0x01;   // received data available (and timeout)
inline constexpr uint8_t kIerThre = 0x02;  // transmit holding register empty
inline constexpr uint8_t kIerRls = 0x04;   // receiver line status
inline constexpr uint8_t kIerMs = 0x08;    // modem status

inline constexpr uint8_t kIirNoInt = 0x01;
inline constexpr uint8_t kIirModemStatus = 0x00;
inline constexpr uint8_t kIirThre = 0x02;
inline constexpr uint8_t kIirRda = 0x04;
inline constexpr uint8_t kIirLineStatus = 0x06;
inline constexpr uint8_t kIirTimeout = 0x0C;
inline constexpr uint8_t kIirIdMask = 0x0F;
inline constexpr uint8_t kIirFifoBits = 0xC0;

inline constexpr uint8_t kFcrEnable = 0x01;
inline constexpr uint8_t kFcrClearRx = 0x02;
inline constexpr uint8_t kFcrClearTx = 0x04;
inline constexpr uint8_t kFcrTrigger1 = 0x00;
inline constexpr uint8_t kFcrTrigger4 = 0x40;
inline constexpr uint8_t kFcrTrigger8 = 0x80;
inline constexpr uint8_t kFcrTrigger14 = 0xC0;

inline constexpr uint8_t kLcrDlab = 0x80;

inline constexpr uint8_t kMcrDtr = 0x01;
inline constexpr uint8_t kMcrRts = 0x02;
inline constexpr uint8_t kMcrOut1 = 0x04;
inline constexpr uint8_t kMcrOut2 = 0x08;
inline constexpr uint8_t kMcrLoop = 0x10;

inline constexpr uint8_t kLsrDr = 0x01;
inline constexpr uint8_t kLsrOe = 0x02;
inline constexpr uint8_t kLsrThre = 0x20;
inline constexpr uint8_t kLsrTemt = 0x40;

inline constexpr uint8_t kMsrDcts = 0x01;
inline constexpr uint8_t kMsrDdsr = 0x02;
inline constexpr uint8_t kMsrTeri = 0x04;
inline constexpr uint8_t kMsrDdcd = 0x08;
inline constexpr uint8_t kMsrCts = 0x10;
inline constexpr uint8_t kMsrDsr = 0x20;
inline constexpr uint8_t kMsrRi = 0x40;
inline constexpr uint8_t kMsrDcd = 0x80;
}  // namespace uart

// One 16550A. The owner maps its eight ports onto read()/write(), connects
// on_tx to the far end (a CharBackend), feeds received bytes with push_rx()
// and routes on_irq_change to an interrupt-controller line.
//
// Simplifications, all deterministic and all invisible to a driver that
// follows the datasheet:
//  - Transmission takes no virtual time: a byte written to THR leaves at once
//    through on_tx, so THR, the TX FIFO and the shifter are empty again right
//    after the write (LSR.THRE and LSR.TEMT always read 1). The THRE
//    interrupt still follows the chip: a write to THR clears it and the
//    instant transmission raises it again.
//  - Character timeout (IIR 0xC): the chip reports it when the RX FIFO holds
//    fewer bytes than the trigger level and nothing moved for four character
//    times. Here the condition holds whenever the FIFO is enabled, non-empty
//    and below the trigger level, so a driver sees the bytes at once and the
//    result does not depend on elapsed time.
//  - No break, parity or framing errors are ever received (LSR.BI/PE/FE and
//    bit 7 stay 0); the only receiver error is overrun.
//
// Interrupt output: as on a PC, the IRQ pin reaches the interrupt controller
// only while MCR.OUT2 is set (a tri-state buffer driven by OUT2), and in
// loopback mode the chip forces its OUT2 pin inactive, so irq_level() is 0
// there too. QEMU's model does not gate on OUT2 (and resets MCR to OUT2); a
// driver that sets OUT2, as every PC driver must, works on both.
//
// Callbacks run synchronously from read()/write()/push_rx() and must not
// call back into the same Uart16550.
class Uart16550 {
public:
    static constexpr size_t kFifoSize = 16;
    // The PC's 1.8432 MHz crystal divided by 16.
    static constexpr uint32_t kBaseBaud = 115200;

    // A byte transmitted on the serial line (not called in loopback mode).
    std::function<void(uint8_t)> on_tx;
    // The interrupt output changed level; called only on a real change.
    std::function<void(bool)> on_irq_change;

    // Powers up in the reset state (see reset()).
    Uart16550();

    // Master reset: IER=0, IIR=0x01, FCR=0 (FIFOs off and empty), LCR=0,
    // MCR=0, LSR=THRE|TEMT, SCR=0, divisor 12 (9600 baud, as QEMU). The far
    // end's modem lines are kept. Fires on_irq_change if the output drops.
    void reset();

    // Reads register `reg` (0..7), with the datasheet's side effects: RBR
    // pops a byte, IIR acknowledges a THRE interrupt it reports, LSR clears
    // OE, MSR clears the delta bits. A reg outside 0..7 reads 0xFF (an
    // unclaimed ISA port) and changes nothing.
    uint8_t read(unsigned reg);

    // Writes register `reg` (0..7). THR transmits at once (see above); the
    // LSR and MSR ignore writes. A reg outside 0..7 is ignored.
    void write(unsigned reg, uint8_t value);

    // A byte arrives from the far end. Returns false when it was lost: the
    // receiver overran (the FIFO, or the holding register in non-FIFO mode,
    // was full; LSR.OE is set; in FIFO mode the new byte is dropped, in
    // non-FIFO mode it replaces the unread one, as on the chip) or the UART is
    // in loopback mode, where the serial input is disconnected (no OE then).
    bool push_rx(uint8_t byte);

    // How many bytes push_rx() can take now without loss: the free FIFO
    // space (16 - level), 1 or 0 in non-FIFO mode, and 0 in loopback mode.
    size_t rx_space() const;

    // Bytes waiting in the receiver (FIFO level, or 0/1 in non-FIFO mode).
    size_t rx_level() const { return rx_count_; }

    // The far end's modem lines, as MSR bits 4-7 (kMsrCts|kMsrDsr|kMsrRi|
    // kMsrDcd; other bits ignored). A change sets the MSR delta bits (TERI
    // only when RI goes from 1 to 0) unless loopback hides the inputs.
    // Default: CTS|DSR|DCD, a peer that is present and ready.
    void set_modem_inputs(uint8_t msr_lines);

    // The level of the interrupt line seen by the interrupt controller: an
    // enabled interrupt condition is pending, MCR.OUT2 is set and loopback
    // is off.
    bool irq_level() const { return irq_out_; }

    // An enabled interrupt condition is pending (IIR bit 0 would read 0),
    // whatever OUT2 says.
    bool interrupt_pending() const { return pending_id() != uart::kIirNoInt; }

    uint16_t divisor() const { return divisor_; }
    uint8_t lcr() const { return lcr_; }
    // kBaseBaud / divisor; 0 while the divisor is 0 (the line is stopped).
    uint32_t baud() const { return divisor_ == 0 ? 0 : kBaseBaud / divisor_; }
    bool fifo_enabled() const { return (fcr_ & uart::kFcrEnable) != 0; }
    // 1, 4, 8 or 14 bytes (meaningful only with the FIFOs enabled).
    unsigned rx_trigger_level() const;
    bool loopback() const { return (mcr_ & uart::kMcrLoop) != 0; }

private:
    size_t rx_capacity() const { return fifo_enabled() ? kFifoSize : 1; }
    void rx_clear();
    uint8_t rx_pop();
    // Puts a byte into the receiver; the common path of push_rx and loopback.
    bool receive(uint8_t byte);
    void transmit(uint8_t byte);
    void write_fcr(uint8_t value);
    // The modem input lines as MSR bits 4-7, after loopback rerouting.
    uint8_t modem_lines() const;
    void update_modem_status();
    // The highest-priority enabled interrupt, as IIR bits 0-3.
    uint8_t pending_id() const;
    void update_irq();

    std::array<uint8_t, kFifoSize> rx_{};
    size_t rx_head_ = 0;
    size_t rx_count_ = 0;
    uint8_t rbr_ = 0;  // last byte popped; what an empty non-FIFO RBR reads
    uint8_t ier_ = 0;
    uint8_t fcr_ = 0;  // only the sticky bits: enable and trigger level
    uint8_t lcr_ = 0;
    uint8_t mcr_ = 0;
    uint8_t msr_ = 0;
    uint8_t scr_ = 0;
    uint16_t divisor_ = 12;
    bool overrun_ = false;      // LSR.OE, cleared by reading LSR
    bool thre_pending_ = false;  // the THRE interrupt latch
    uint8_t far_lines_ = uart::kMsrCts | uart::kMsrDsr | uart::kMsrDcd;
    bool irq_out_ = false;
};

}  // namespace helios::sim

#endif  // HELIOS_SIM_DEVICES_UART16550_H
