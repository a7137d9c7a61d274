// The 16550A UART model: register decoding, FIFOs and interrupt priorities.
#include "sim/devices/uart16550.h"

namespace helios::sim {

using namespace uart;

Uart16550::Uart16550() { reset(); }

void Uart16550::reset()
{
    rx_clear();
    rbr_ = 0;
    ier_ = 0;
    fcr_ = 0;
    lcr_ = 0;
    mcr_ = 0;
    scr_ = 0;
    divisor_ = 12;
    overrun_ = false;
    thre_pending_ = false;
    // The MSR starts from the present line state, with no changes recorded.
    msr_ = modem_lines();
    update_irq();
}

uint8_t Uart16550::read(unsigned reg)
{
    const bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (reg) {
    case kRbr: {
        if (dlab) {
            return static_cast<uint8_t>(divisor_ & 0xFF);
        }
        uint8_t value;
        if (rx_count_ > 0) {
            value = rx_pop();
        } else {
            // An empty FIFO reads 0 and an empty holding register its stale
            // byte, as in QEMU; the datasheet leaves both undefined.
            value = fifo_enabled() ? 0 : rbr_;
        }
        update_irq();
        return value;
    }
    case kIer:
        return dlab ? static_cast<uint8_t>(divisor_ >> 8) : ier_;
    case kIir: {
        const uint8_t id = pending_id();
        // Reading IIR is how a driver acknowledges a THRE interrupt, but
        // only when the THRE interrupt is the one reported: a lower-priority
        // source must survive reads that show a higher one.
        if (id == kIirThre) {
            thre_pending_ = false;
            update_irq();
        }
        return static_cast<uint8_t>(id | (fifo_enabled() ? kIirFifoBits : 0));
    }
    case kLcr:
        return lcr_;
    case kMcr:
        return mcr_;
    case kLsr: {
        uint8_t lsr = kLsrThre | kLsrTemt;
        if (rx_count_ > 0) {
            lsr |= kLsrDr;
        }
        if (overrun_) {
            lsr |= kLsrOe;
            overrun_ = false;
            update_irq();
        }
        return lsr;
    }
    case kMsr: {
        const uint8_t value = msr_;
        if (msr_ & 0x0F) {
            msr_ &= 0xF0;
            update_irq();
        }
        return value;
    }
    case kScr:
        return scr_;
    default:
        return 0xFF;
    }
}

void Uart16550::write(unsigned reg, uint8_t value)
{
    const bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (reg) {
    case kThr:
        if (dlab) {
            divisor_ = static_cast<uint16_t>((divisor_ & 0xFF00) | value);
        } else {
            // Writing THR acknowledges a pending THRE interrupt; the byte
            // then leaves at once, THR is empty again and the interrupt is
            // raised anew, so the line pulses like the chip's.
            thre_pending_ = false;
            update_irq();
            transmit(value);
            thre_pending_ = true;
            update_irq();
        }
        break;
    case kIer:
        if (dlab) {
            divisor_ = static_cast<uint16_t>((divisor_ & 0x00FF) | (value << 8));
        } else {
            ier_ = value & 0x0F;
            // THR is always empty here, so enabling (or re-enabling) the THRE
            // interrupt raises it at once, as QEMU and real parts do; drivers
            // rely on this to start transmission.
            if (ier_ & kIerThre) {
                thre_pending_ = true;
            }
            update_irq();
        }
        break;
    case kFcr:
        write_fcr(value);
        break;
    case kLcr:
        lcr_ = value;
        break;
    case kMcr:
        // Bits 5-7 do not exist on the 16550A and read back 0.
        mcr_ = value & 0x1F;
        update_modem_status();
        update_irq();
        break;
    case kLsr:
    case kMsr:
        // Factory-test writes on the real chip; drivers never do this.
        break;
    case kScr:
        scr_ = value;
        break;
    default:
        break;
    }
}

void Uart16550::write_fcr(uint8_t value)
{
    const bool enable = (value & kFcrEnable) != 0;
    if (enable != fifo_enabled()) {
        // Switching between FIFO and 16450 mode empties both FIFOs.
        rx_clear();
    } else if (!enable) {
        // The datasheet: with bit 0 clear the other bits are not programmed.
        return;
    }
    if (enable && (value & kFcrClearRx)) {
        rx_clear();
    }
    // kFcrClearTx has nothing to clear: transmission is instantaneous.
    // Bit 3 (DMA mode) only changes the RXRDY/TXRDY pins, which a PC leaves
    // unconnected; the self-clearing bits 1-2 are not kept.
    fcr_ = enable ? static_cast<uint8_t>(value & 0xC1) : 0;
    update_irq();
}

unsigned Uart16550::rx_trigger_level() const
{
    static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
    return kLevels[fcr_ >> 6];
}

bool Uart16550::push_rx(uint8_t byte)
{
    if (loopback()) {
        return false;
    }
    return receive(byte);
}

size_t Uart16550::rx_space() const
{
    return loopback() ? 0 : rx_capacity() - rx_count_;
}

void Uart16550::set_modem_inputs(uint8_t msr_lines)
{
    far_lines_ = msr_lines & 0xF0;
    update_modem_status();
    update_irq();
}

void Uart16550::rx_clear()
{
    rx_head_ = 0;
    rx_count_ = 0;
}

uint8_t Uart16550::rx_pop()
{
    rbr_ = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % kFifoSize;
    --rx_count_;
    return rbr_;
}

bool Uart16550::receive(uint8_t byte)
{
    bool kept = true;
    if (rx_count_ == rx_capacity()) {
        overrun_ = true;
        kept = false;
        if (fifo_enabled()) {
            // The FIFO keeps its contents; the byte in the shifter is lost.
            update_irq();
            return false;
        }
        // 16450 mode: the new byte overwrites the unread one.
        rx_clear();
    }
    rx_[(rx_head_ + rx_count_) % kFifoSize] = byte;
    ++rx_count_;
    update_irq();
    return kept;
}

void Uart16550::transmit(uint8_t byte)
{
    if (loopback()) {
        // The serial output is looped back into the receiver.
        receive(byte);
    } else if (on_tx) {
        on_tx(byte);
    }
}

uint8_t Uart16550::modem_lines() const
{
    if (!loopback()) {
        return far_lines_;
    }
    // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI and OUT2->DCD.
    uint8_t lines = 0;
    if (mcr_ & kMcrDtr) lines |= kMsrDsr;
    if (mcr_ & kMcrRts) lines |= kMsrCts;
    if (mcr_ & kMcrOut1) lines |= kMsrRi;
    if (mcr_ & kMcrOut2) lines |= kMsrDcd;
    return lines;
}

void Uart16550::update_modem_status()
{
    const uint8_t now = modem_lines();
    const uint8_t before = msr_ & 0xF0;
    const uint8_t changed = static_cast<uint8_t>((now ^ before) >> 4);
    // Delta bits line up with the state bits four places lower; TERI is set
    // only on the trailing edge of RI.
    uint8_t deltas = changed & (kMsrDcts | kMsrDdsr | kMsrDdcd);
    if ((changed & kMsrTeri) && !(now & kMsrRi)) {
        deltas |= kMsrTeri;
    }
    msr_ = static_cast<uint8_t>(now | (msr_ & 0x0F) | deltas);
}

uint8_t Uart16550::pending_id() const
{
    if ((ier_ & kIerRls) && overrun_) {
        return kIirLineStatus;
    }
    if ((ier_ & kIerRda) && rx_count_ > 0) {
        if (!fifo_enabled() || rx_count_ >= rx_trigger_level()) {
            return kIirRda;
        }
        return kIirTimeout;
    }
    if ((ier_ & kIerThre) && thre_pending_) {
        return kIirThre;
    }
    if ((ier_ & kIerMs) && (msr_ & 0x0F)) {
        return kIirModemStatus;
    }
    return kIirNoInt;
}

void Uart16550::update_irq()
{
    const bool level = pending_id() != kIirNoInt && (mcr_ & kMcrOut2) && !loopback();
    if (level != irq_out_) {
        irq_out_ = level;
        if (on_irq_change) {
            on_irq_change(level);
        }
    }
}

}  // namespace helios::sim
