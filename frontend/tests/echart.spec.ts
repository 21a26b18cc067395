import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { getInstanceByDom } from 'echarts/core'
import EChart, { type EChartOption } from '@/components/EChart.vue'

/* jsdom lays nothing out: give elements a size the test controls, and a ResizeObserver the test
 * can fire (jsdom has none). The chart itself is the real ECharts, drawing SVG. */
let width = 400
const observers: Array<{ fire: () => void; disconnected: boolean; targets: Element[] }> = []

beforeEach(() => {
  width = 400
  observers.length = 0
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockImplementation(() => width)
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockImplementation(() => 300)
  vi.stubGlobal(
    'ResizeObserver',
    class {
      private entry: { fire: () => void; disconnected: boolean; targets: Element[] }
      constructor(cb: () => void) {
        this.entry = { fire: () => cb(), disconnected: false, targets: [] }
        observers.push(this.entry)
      }
      observe(el: Element) {
        this.entry.targets.push(el)
      }
      disconnect() {
        this.entry.disconnected = true
      }
    },
  )
})
afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

function bars(names: string[], values: number[]): EChartOption {
  return {
    animation: false,
    xAxis: { type: 'category', data: names },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', name: '逾期', data: values }],
  }
}

const svgOf = (el: Element) => el.querySelector('svg')

describe('EChart', () => {
  it('draws on mount, redraws when the option changes, resizes with its box, disposes on unmount', async () => {
    const w = mount(EChart, { props: { option: bars(['教务处', '后勤保障处'], [3, 5]), label: '各部门逾期' }, attachTo: document.body })
    await flushPromises()
    const box = w.find('[data-test=echart]').element as HTMLElement
    expect(box.getAttribute('aria-label')).toBe('各部门逾期')
    expect(getInstanceByDom(box)).toBeDefined()
    expect(svgOf(box)?.textContent).toContain('教务处')
    expect(svgOf(box)?.getAttribute('width')).toBe('400')

    // A new option replaces the drawing (removed categories go).
    await w.setProps({ option: bars(['图书馆'], [7]) })
    await flushPromises()
    expect(svgOf(box)?.textContent).toContain('图书馆')
    expect(svgOf(box)?.textContent).not.toContain('教务处')

    // The box got narrower (a phone turned, a side menu opened): the chart follows.
    expect(observers).toHaveLength(1)
    expect(observers[0]!.targets).toEqual([box])
    width = 280
    observers[0]!.fire()
    expect(svgOf(box)?.getAttribute('width')).toBe('280')

    w.unmount()
    expect(getInstanceByDom(box)).toBeUndefined()
    expect(observers[0]!.disconnected).toBe(true)
  })

  it('reports a click on a bar for a drill-down', async () => {
    const w = mount(EChart, { props: { option: bars(['教务处'], [3]) }, attachTo: document.body })
    await flushPromises()
    const box = w.find('[data-test=echart]').element as HTMLElement
    const instance = getInstanceByDom(box)!
    // Halfway up the bar, as a user's click would land.
    const [x, top] = instance.convertToPixel({ seriesIndex: 0 }, ['教务处', 3]) as number[]
    const [, bottom] = instance.convertToPixel({ seriesIndex: 0 }, ['教务处', 0]) as number[]
    const at = { clientX: x!, clientY: (top! + bottom!) / 2, bubbles: true }
    const target = box.firstElementChild as HTMLElement
    for (const type of ['mousemove', 'mousedown', 'mouseup', 'click']) target.dispatchEvent(new MouseEvent(type, at))
    expect(w.emitted('itemClick')?.[0]).toEqual([{ seriesName: '逾期', name: '教务处', value: 3, dataIndex: 0 }])
    w.unmount()
  })
})
